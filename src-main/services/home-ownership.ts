import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { HomeOwner, OwnerClaim, OwnerKind } from '../store/repositories/home-owner-repository.js';
import type { WorkbenchStore } from '../store/workbench-store.js';

export type { OwnerKind } from '../store/repositories/home-owner-repository.js';

/** How often the owner records that it is alive. */
export const ownerHeartbeatMilliseconds = 10_000;
/**
 * An owner on another machine (a home on a shared drive) whose heartbeat is older than this is taken to be
 * gone: its pid cannot be checked from here.
 */
export const remoteOwnerStaleMilliseconds = 60_000;

/**
 * The start time of a process as Linux counts it (field 22 of /proc/PID/stat), which tells a live process
 * apart from a later one that reuses its pid; null where /proc is not there.
 */
export function processStartOf(pid: number): string | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces and parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19] ?? null;
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether a recorded owner is still running: its pid on this machine, or its heartbeat from another one. */
export function isOwnerAlive(owner: HomeOwner, now = Date.now()): boolean {
  if (owner.hostName !== hostname()) {
    return now - Date.parse(owner.heartbeatAt) < remoteOwnerStaleMilliseconds;
  }
  if (!processExists(owner.pid)) return false;
  if (owner.processStart === null) return true;
  const start = processStartOf(owner.pid);
  return start === null || start === owner.processStart;
}

/** One line naming the process that owns a home, for messages. */
export function describeOwner(owner: HomeOwner): string {
  const where = owner.hostName === hostname() ? '' : ` on ${owner.hostName}`;
  return `${owner.description} (process ${owner.pid}${where}, since ${owner.claimedAt})`;
}

/** Raised when a process needs to own a home that another live process owns. */
export class HomeInUseError extends Error {
  constructor(
    readonly homeDirectory: string,
    readonly owner: HomeOwner,
  ) {
    super(
      `The workbench home ${homeDirectory} is in use by ${describeOwner(owner)}. Only one process at a time ` +
        `runs a home's training queue: use that one, or stop it first.`,
    );
    this.name = 'HomeInUseError';
  }
}

/** This process's hold on a workbench home, kept alive by a heartbeat until released. */
export class HomeOwnership {
  private heartbeat: NodeJS.Timeout | null = null;

  constructor(
    private readonly store: WorkbenchStore,
    private readonly onLost: (owner: HomeOwner | undefined) => void = () => undefined,
  ) {}

  /** Whether this process owns the home now. */
  get held(): boolean {
    return this.heartbeat !== null;
  }

  /**
   * Claims the home for this process unless another live process owns it. `onClaimed` runs in the claim's
   * transaction: what the previous owner left running can be marked interrupted there, safely.
   */
  claim(kind: OwnerKind, description: string, onClaimed: () => void): OwnerClaim {
    const now = new Date().toISOString();
    const claim = this.store.owner.claim(
      {
        pid: process.pid,
        hostName: hostname(),
        processStart: processStartOf(process.pid),
        kind,
        description,
        claimedAt: now,
        heartbeatAt: now,
      },
      (owner) => isOwnerAlive(owner),
      onClaimed,
    );
    if (claim.claimed && this.heartbeat === null) {
      this.heartbeat = setInterval(() => this.beat(), ownerHeartbeatMilliseconds);
      this.heartbeat.unref();
    }
    return claim;
  }

  /** Gives the home up (no-op when not held). */
  release(): void {
    if (this.heartbeat === null) return;
    clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.store.owner.release(process.pid, hostname());
  }

  private beat(): void {
    let stillOwner: boolean;
    try {
      stillOwner = this.store.owner.heartbeat(process.pid, hostname());
    } catch {
      // A full disk or a busy database misses one heartbeat; the next one tries again.
      return;
    }
    if (!stillOwner) {
      if (this.heartbeat !== null) clearInterval(this.heartbeat);
      this.heartbeat = null;
      this.onLost(this.store.owner.current());
    }
  }
}

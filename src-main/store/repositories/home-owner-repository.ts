import type Database from 'better-sqlite3';

/** The kinds of process that may own a workbench home (run its queue). */
export const ownerKinds = ['desktop', 'serve', 'train', 'resume', 'demo'] as const;
export type OwnerKind = (typeof ownerKinds)[number];

/** The process that owns a workbench home, as recorded. */
export interface HomeOwner {
  readonly pid: number;
  readonly hostName: string;
  /** What tells this process apart from a later one with the same pid (Linux: its start time); null if unknown. */
  readonly processStart: string | null;
  readonly kind: OwnerKind;
  /** What a person reads: the command and, for a lab server, where it listens. */
  readonly description: string;
  readonly claimedAt: string;
  readonly heartbeatAt: string;
}

interface OwnerRow {
  pid: number;
  host_name: string;
  process_start: string | null;
  kind: OwnerKind;
  description: string;
  claimed_at: string;
  heartbeat_at: string;
}

/** How a claim ended: this process owns the home now, or another live process does. */
export type OwnerClaim =
  | { readonly claimed: true; readonly replaced: HomeOwner | null }
  | { readonly claimed: false; readonly owner: HomeOwner };

function toOwner(row: OwnerRow): HomeOwner {
  return {
    pid: row.pid,
    hostName: row.host_name,
    processStart: row.process_start,
    kind: row.kind,
    description: row.description,
    claimedAt: row.claimed_at,
    heartbeatAt: row.heartbeat_at,
  };
}

/** Reads and writes the single owner row of a workbench home; every statement is prepared once. */
export class HomeOwnerRepository {
  private readonly getStatement: Database.Statement<[], OwnerRow>;
  private readonly upsertStatement: Database.Statement;
  private readonly heartbeatStatement: Database.Statement;
  private readonly releaseStatement: Database.Statement;

  constructor(private readonly connection: Database.Database) {
    this.getStatement = connection.prepare(
      `SELECT pid, host_name, process_start, kind, description, claimed_at, heartbeat_at FROM home_owner WHERE slot = 1`,
    );
    this.upsertStatement = connection.prepare(
      `INSERT OR REPLACE INTO home_owner (slot, pid, host_name, process_start, kind, description, claimed_at, heartbeat_at)
       VALUES (1, @pid, @hostName, @processStart, @kind, @description, @claimedAt, @heartbeatAt)`,
    );
    this.heartbeatStatement = connection.prepare(
      `UPDATE home_owner SET heartbeat_at = @now WHERE slot = 1 AND pid = @pid AND host_name = @hostName`,
    );
    this.releaseStatement = connection.prepare(
      `DELETE FROM home_owner WHERE slot = 1 AND pid = @pid AND host_name = @hostName`,
    );
  }

  /** The recorded owner, live or not, or undefined when nobody holds the home. */
  current(): HomeOwner | undefined {
    const row = this.getStatement.get();
    return row === undefined ? undefined : toOwner(row);
  }

  /**
   * Makes `candidate` the owner unless a recorded owner is still alive (`isAlive` decides), atomically: the
   * check and the write happen in one immediate transaction, so two processes starting together cannot both
   * win. `onClaimed` runs inside the same transaction (e.g. to mark the dead owner's runs interrupted).
   */
  claim(candidate: HomeOwner, isAlive: (owner: HomeOwner) => boolean, onClaimed: () => void): OwnerClaim {
    return this.connection
      .transaction((): OwnerClaim => {
        const row = this.getStatement.get();
        const previous = row === undefined ? null : toOwner(row);
        const isSelf =
          previous !== null && previous.pid === candidate.pid && previous.hostName === candidate.hostName;
        if (previous !== null && !isSelf && isAlive(previous)) return { claimed: false, owner: previous };
        this.upsertStatement.run(candidate);
        onClaimed();
        return { claimed: true, replaced: isSelf ? null : previous };
      })
      .immediate();
  }

  /** Records that the owner `pid` on `hostName` is still alive; false when it no longer owns the home. */
  heartbeat(pid: number, hostName: string): boolean {
    return this.heartbeatStatement.run({ pid, hostName, now: new Date().toISOString() }).changes === 1;
  }

  /** Gives the home up, if `pid` on `hostName` owns it. */
  release(pid: number, hostName: string): void {
    this.releaseStatement.run({ pid, hostName });
  }
}

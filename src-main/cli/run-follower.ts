import type { RunProgress, RunStatus, RunSummary } from '../../src-shared/contracts/run-types.js';
import { describeOwner } from '../services/home-ownership.js';
import type { OwnerKind } from '../services/home-ownership.js';
import type { WorkbenchHost } from '../services/workbench-host.js';
import {
  formatEpochLine,
  formatRunProgress,
  formatRunStatusLine,
  runLabel,
} from './output/progress-format.js';
import type { ProgressPrinter } from './output/progress-printer.js';

/** Statuses after which a run needs nothing more from this process. */
export const settledStatuses: ReadonlySet<RunStatus> = new Set([
  'done',
  'failed',
  'cancelled',
  'paused',
  'interrupted',
]);

/** How following ended. */
export interface FollowOutcome {
  /** The followed runs as they are now. */
  readonly runs: readonly RunSummary[];
  /** Ctrl+C was pressed: the running run was paused and queued ones held (or, run elsewhere, left going). */
  readonly interrupted: boolean;
  /** The queue went idle while some followed runs were still queued (e.g. their teacher is paused). */
  readonly stalled: boolean;
  /** Why this process's queue stopped on its own (a full disk), or null. */
  readonly halted: string | null;
}

/** How to follow runs when another process may own the workbench home. */
export interface FollowOptions {
  /**
   * Tries to make this process the home's owner (which starts its queue); true once it is. Followed runs
   * train in the owning process, so a follower that does not own the home keeps trying: it takes over
   * when the owner ends, or just watches while the owner trains them.
   */
  readonly claimHome: () => boolean;
}

const pollMilliseconds = 250;
const claimRetryMilliseconds = 2_000;

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/**
 * Stops the queue cleanly: holds the queued runs among `runIds` (they become paused), pauses the run being
 * trained after its current batch, and repeats for any run the queue starts next, until nothing runs.
 */
export async function pauseQueue(host: WorkbenchHost, runIds: readonly string[]): Promise<string[]> {
  const paused: string[] = [];
  for (const id of runIds) {
    if (host.store.runs.get(id)?.status === 'queued') {
      host.services.runQueue.pause(id);
      paused.push(id);
    }
  }
  for (
    let active = host.services.runQueue.activeRunId;
    active !== null;
    active = host.services.runQueue.activeRunId
  ) {
    host.services.runQueue.pause(active);
    paused.push(active);
    while (host.services.runQueue.activeRunId === active) await delay(pollMilliseconds);
  }
  return paused;
}

/**
 * Prints what changed in the store since the last look: each run's new epochs, then its new status. Reading
 * the store (not this process's events) lets a follower watch runs that another process trains.
 */
class StoreWatcher {
  private readonly seen = new Map<string, { epochs: number; status: RunStatus }>();

  constructor(
    private readonly host: WorkbenchHost,
    private readonly printer: ProgressPrinter,
  ) {}

  report(runs: readonly RunSummary[]): void {
    for (const run of runs) {
      const before = this.seen.get(run.id) ?? { epochs: run.epochsDone, status: 'queued' };
      if (run.epochsDone > before.epochs) {
        for (const record of this.host.store.runs.epochs(run.id)) {
          if (record.epoch > before.epochs && record.epoch <= run.epochsDone) {
            this.printer.log(formatEpochLine(runLabel(run), record, run.epochsTotal));
          }
        }
      }
      if (run.status !== before.status && run.status !== 'queued' && run.status !== 'running') {
        this.printer.log(formatRunStatusLine(run));
      }
      this.seen.set(run.id, { epochs: run.epochsDone, status: run.status });
    }
  }
}

/**
 * After taking the home over from an owner that ended, continues the followed runs it left interrupted,
 * each from its last checkpoint.
 */
function resumeLeftBehind(host: WorkbenchHost, runs: readonly RunSummary[], printer: ProgressPrinter): void {
  for (const run of runs) {
    if (run.status !== 'interrupted') continue;
    printer.log(
      `The process that owned the workbench home ended; resuming ${runLabel(run)} from epoch ${run.epochsDone}.`,
    );
    host.services.runQueue.resume(run.id);
  }
}

/**
 * Shows the progress of the followed runs (epochs and status lines, and live batch progress while this
 * process trains) until each run `followedIds` names has settled, this process's queue goes idle with
 * some of them still waiting, or Ctrl+C pauses them.
 */
export async function followRuns(
  host: WorkbenchHost,
  followedIds: () => readonly string[],
  printer: ProgressPrinter,
  options: FollowOptions,
): Promise<FollowOutcome> {
  const { store, services } = host;
  const watcher = new StoreWatcher(host, printer);
  let wake: () => void = () => undefined;
  const unsubscribe = services.events.subscribe((name, payload) => {
    if (name === 'onRunProgress') {
      const progress = payload as RunProgress;
      const run = store.runs.get(progress.runId);
      const final = progress.phase === 'preparing' || progress.batch === progress.batches;
      const label = run === undefined ? progress.runId : runLabel(run);
      printer.update(formatRunProgress(label, progress, printer.interactive), final);
    } else if (name === 'onRunEpoch' || name === 'onRunStatus') {
      wake();
    }
  });
  let owner = options.claimHome();
  let lastClaimAttempt = performance.now();
  let interruptRequested = false;
  const onInterrupt = (): void => {
    interruptRequested = true;
    printer.log(
      owner
        ? 'Pausing: the running run stops after its current batch (Ctrl+C again to quit at once).'
        : 'Stopped following; the runs go on in the process that owns the workbench home.',
    );
    process.once('SIGINT', () => process.exit(130));
    wake();
  };
  process.once('SIGINT', onInterrupt);
  const followed = (): RunSummary[] =>
    followedIds().flatMap((id) => {
      const run = store.runs.get(id);
      return run === undefined ? [] : [run];
    });
  const outcome = (runs: RunSummary[], ending: Partial<FollowOutcome>): FollowOutcome => {
    watcher.report(runs);
    return { runs, interrupted: false, stalled: false, halted: null, ...ending };
  };
  try {
    for (;;) {
      if (interruptRequested) {
        if (owner) await pauseQueue(host, followedIds());
        return outcome(followed(), { interrupted: true });
      }
      if (!owner && performance.now() - lastClaimAttempt >= claimRetryMilliseconds) {
        owner = options.claimHome();
        lastClaimAttempt = performance.now();
        if (owner) resumeLeftBehind(host, followed(), printer);
      }
      const runs = followed();
      watcher.report(runs);
      if (runs.every((run) => settledStatuses.has(run.status))) return outcome(runs, {});
      if (owner && services.runQueue.haltReason !== null && services.runQueue.activeRunId === null) {
        return outcome(followed(), { halted: services.runQueue.haltReason });
      }
      if (owner && services.runQueue.activeRunId === null) {
        // Idle with followed runs still queued: nothing will start them in this process.
        await services.runQueue.whenIdle();
        const again = followed();
        if (
          services.runQueue.activeRunId === null &&
          services.runQueue.haltReason === null &&
          !again.every((run) => settledStatuses.has(run.status))
        ) {
          return outcome(again, { stalled: true });
        }
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, pollMilliseconds * 4);
      });
    }
  } finally {
    process.off('SIGINT', onInterrupt);
    unsubscribe();
    printer.finish();
  }
}

/**
 * The `claimHome` of a training command: claims the home for `kind`, and the first time another process
 * owns it, says which one and that the runs train there until it ends.
 */
export function claimForTraining(
  host: WorkbenchHost,
  kind: OwnerKind,
  description: string,
  printer: ProgressPrinter,
): () => boolean {
  let told = false;
  return () => {
    const claim = host.services.claimHome(kind, description);
    if (!claim.claimed && !told) {
      told = true;
      printer.log(
        `The workbench home is in use by ${describeOwner(claim.owner)}. The runs are queued in it and train ` +
          'there; this command follows them, and takes over if that process ends. Ctrl+C stops following.',
      );
    }
    return claim.claimed;
  };
}

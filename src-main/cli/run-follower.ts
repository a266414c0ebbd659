import type {
  RunEpochEvent,
  RunProgress,
  RunStatus,
  RunSummary,
} from '../../src-shared/contracts/run-types.js';
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
  /** Ctrl+C was pressed: the running run was paused and queued ones held. */
  readonly interrupted: boolean;
  /** The queue went idle while some followed runs were still queued (e.g. their teacher is paused). */
  readonly stalled: boolean;
}

const pollMilliseconds = 250;

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
 * Shows the progress of the queue (status lines of every run) until each run `followedIds` names has settled,
 * the queue goes idle with some of them still waiting, or Ctrl+C pauses them.
 */
export async function followRuns(
  host: WorkbenchHost,
  followedIds: () => readonly string[],
  printer: ProgressPrinter,
): Promise<FollowOutcome> {
  const { store, services } = host;
  const labels = new Map<string, string>();
  const labelOf = (runId: string): string => {
    let label = labels.get(runId);
    if (label === undefined) {
      const run = store.runs.get(runId);
      label = run === undefined ? runId : runLabel(run);
      labels.set(runId, label);
    }
    return label;
  };
  let wake: () => void = () => undefined;
  const unsubscribe = services.events.subscribe((name, payload) => {
    if (name === 'onRunProgress') {
      const progress = payload as RunProgress;
      const final = progress.phase === 'preparing' || progress.batch === progress.batches;
      printer.update(formatRunProgress(labelOf(progress.runId), progress, printer.interactive), final);
    } else if (name === 'onRunEpoch') {
      const event = payload as RunEpochEvent;
      const run = store.runs.get(event.runId);
      printer.log(
        formatEpochLine(labelOf(event.runId), event.record, run?.epochsTotal ?? event.record.epoch),
      );
    } else if (name === 'onRunStatus') {
      const run = payload as RunSummary;
      if (run.status !== 'queued' && run.status !== 'running') printer.log(formatRunStatusLine(run));
      wake();
    }
  });
  let interruptRequested = false;
  const onInterrupt = (): void => {
    interruptRequested = true;
    printer.log('Pausing: the running run stops after its current batch (Ctrl+C again to quit at once).');
    process.once('SIGINT', () => process.exit(130));
    wake();
  };
  process.once('SIGINT', onInterrupt);
  const followed = (): RunSummary[] =>
    followedIds().flatMap((id) => {
      const run = store.runs.get(id);
      return run === undefined ? [] : [run];
    });
  try {
    for (;;) {
      if (interruptRequested) {
        await pauseQueue(host, followedIds());
        return { runs: followed(), interrupted: true, stalled: false };
      }
      const runs = followed();
      if (runs.every((run) => settledStatuses.has(run.status))) {
        return { runs, interrupted: false, stalled: false };
      }
      if (services.runQueue.activeRunId === null) {
        // Idle with followed runs still queued: nothing will start them in this process.
        await services.runQueue.whenIdle();
        const again = followed();
        if (
          services.runQueue.activeRunId === null &&
          !again.every((run) => settledStatuses.has(run.status))
        ) {
          return { runs: again, interrupted: false, stalled: true };
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

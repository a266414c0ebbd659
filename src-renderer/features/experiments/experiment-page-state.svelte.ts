import type { ExperimentDetails, WorkbenchApi } from '../../../src-shared/contracts/api.js';
import type { RunSummary } from '../../../src-shared/contracts/run-types.js';
import { strings } from '../../lib/strings.js';

const finishedStatuses = new Set<RunSummary['status']>(['done', 'failed', 'cancelled']);

/**
 * Why no student can be exported yet (the Export button is then disabled with this reason), or null when a
 * student run has finished.
 */
export function exportBlockedReason(runs: readonly RunSummary[]): string | null {
  const students = runs.filter((run) => run.role === 'student');
  if (students.some((run) => run.status === 'done')) return null;
  return students.some((run) => !finishedStatuses.has(run.status))
    ? strings.experimentPage.exportWaiting
    : strings.experimentPage.exportNothing;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The experiment page's header: the experiment, kept current by run status events; cancelling it. */
export class ExperimentPageState {
  details = $state.raw<ExperimentDetails | null>(null);
  error = $state<string | null>(null);
  actionError = $state<string | null>(null);
  cancelling = $state(false);

  constructor(
    private readonly api: WorkbenchApi,
    readonly id: string,
  ) {}

  /** Why Export is disabled, or null when a student can be exported. */
  get exportBlocked(): string | null {
    return exportBlockedReason(this.details?.runs ?? []);
  }

  /** Runs that can still be cancelled. */
  get unfinishedRuns(): RunSummary[] {
    return (this.details?.runs ?? []).filter((run) => !finishedStatuses.has(run.status));
  }

  /** Loads the experiment. */
  async load(): Promise<void> {
    try {
      this.details = await this.api.getExperiment({ id: this.id });
      this.error = null;
    } catch (error) {
      this.error = messageOf(error);
    }
  }

  /**
   * Reloads the experiment whenever one of its runs changes status, is deleted, or it is renamed; says so when
   * the experiment itself is deleted. Returns the function that stops.
   */
  listen(): () => void {
    const stopStatus = this.api.onRunStatus((run) => {
      if (run.experimentId === this.id) void this.load();
    });
    const stopChanges = this.api.onWorkbenchChanged(({ change, entries }) => {
      if (
        change === 'deleted' &&
        entries.some((entry) => entry.kind === 'experiment' && entry.id === this.id)
      ) {
        this.details = null;
        this.error = strings.housekeeping.deletedHere('experiment');
        return;
      }
      const ours = [this.id, ...(this.details?.runs ?? []).map((run) => run.id)];
      if (entries.some((entry) => ours.includes(entry.id))) void this.load();
    });
    return () => {
      stopStatus();
      stopChanges();
    };
  }

  /** Cancels every run not yet finished, the waiting ones first so the queue does not start them. */
  async cancelAll(): Promise<void> {
    this.cancelling = true;
    this.actionError = null;
    const runs = [...this.unfinishedRuns].sort(
      (first, second) => Number(first.status === 'running') - Number(second.status === 'running'),
    );
    try {
      for (const run of runs) await this.api.cancelRun({ id: run.id });
    } catch (error) {
      this.actionError = messageOf(error);
    } finally {
      this.cancelling = false;
      await this.load();
    }
  }
}

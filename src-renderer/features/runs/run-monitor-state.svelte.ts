import type { WorkbenchApi } from '../../../src-shared/contracts/api.js';
import type {
  EpochRecord,
  RunProgress,
  RunStatus,
  RunSummary,
} from '../../../src-shared/contracts/run-types.js';
import { strings } from '../../lib/strings.js';
import { formatLoss, formatPercent } from './run-display.js';
import type { RunAction } from './run-display.js';
import {
  appendBatchPoint,
  appendEpoch,
  appendLog,
  currentTimestamp,
  emptyMap,
  emptySet,
  initialLog,
  mergeLog,
  orderRuns,
  pickDefaultRun,
  upsertRun,
  withEntry,
  withMember,
  withoutEntry,
} from './run-monitor-logic.js';
import type { BatchPoint, LogEntry } from './run-monitor-logic.js';

const text = strings.runMonitor;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The label a run goes by in the monitor and its log: method (or teacher), network and seed. */
export function runLabel(run: RunSummary): string {
  return text.runLabel(run.role, strings.compare.methodLabels[run.method], run.backbone, run.seed);
}

/**
 * What the run monitor shows for one experiment: its runs, the live progress of the one training, the epoch
 * history of the selected run and a log, kept current by the run events.
 */
export class RunMonitorState {
  loading = $state(true);
  loadError = $state<string | null>(null);
  runs = $state.raw<readonly RunSummary[]>([]);
  progress = $state.raw(emptyMap<string, RunProgress>());
  log = $state.raw<readonly LogEntry[]>([]);
  selectedRunId = $state<string | null>(null);
  epochs = $state.raw<readonly EpochRecord[]>([]);
  epochsLoading = $state(false);
  batchPoints = $state.raw<readonly BatchPoint[]>([]);
  /** The epoch the heatmaps show; null follows the newest. */
  heatmapEpoch = $state<number | null>(null);
  actionError = $state<string | null>(null);
  busyRunIds = $state.raw(emptySet<string>());

  selectedRun = $derived(this.runs.find((run) => run.id === this.selectedRunId) ?? null);

  #batchEpoch: number | null = null;
  #chosenByUser = false;
  #nextLogId = 1;
  #epochsRequest = 0;

  constructor(
    private readonly api: WorkbenchApi,
    private readonly experimentId: string,
  ) {}

  /** Listens for run events of this experiment and for deleted runs; returns the function that stops listening. */
  listen(): () => void {
    const stopStatus = this.api.onRunStatus((run) => {
      if (run.experimentId !== this.experimentId) return;
      const previous = this.runs.find((existing) => existing.id === run.id);
      this.runs = upsertRun(this.runs, run);
      if (previous?.status !== run.status) {
        this.#addLog(run.id, 'status', text.logStatus(runLabel(run), text.statuses[run.status]), run.status);
        if (run.status === 'running' && !this.#chosenByUser) void this.#select(run.id);
      }
      if (run.status !== 'running' && this.progress.has(run.id)) {
        this.progress = withoutEntry(this.progress, run.id);
      }
    });
    const stopProgress = this.api.onRunProgress((progress) => {
      if (!this.runs.some((run) => run.id === progress.runId)) return;
      this.progress = withEntry(this.progress, progress.runId, progress);
      if (progress.runId === this.selectedRunId) {
        const next = appendBatchPoint(this.batchPoints, this.#batchEpoch, progress);
        this.batchPoints = next.points;
        this.#batchEpoch = next.epoch;
      }
    });
    const stopEpoch = this.api.onRunEpoch(({ runId, record }) => {
      const run = this.runs.find((existing) => existing.id === runId);
      if (run === undefined) return;
      this.#addLog(
        runId,
        'epoch',
        text.logEpoch(
          runLabel(run),
          record.epoch,
          formatLoss(record.trainLoss),
          formatPercent(record.testTop1),
        ),
        null,
      );
      if (runId === this.selectedRunId) this.epochs = appendEpoch(this.epochs, record);
    });
    const stopChanges = this.api.onWorkbenchChanged(({ change, entries }) => {
      if (change !== 'deleted') return;
      const gone = entries.filter((entry) => entry.kind === 'run').map((entry) => entry.id);
      if (!this.runs.some((run) => gone.includes(run.id))) return;
      this.runs = this.runs.filter((run) => !gone.includes(run.id));
      if (this.selectedRunId !== null && gone.includes(this.selectedRunId)) {
        this.selectedRunId = null;
        this.epochs = [];
        this.batchPoints = [];
        this.#chosenByUser = false;
        const next = pickDefaultRun(this.runs);
        if (next !== null) void this.#select(next);
      }
    });
    return () => {
      stopStatus();
      stopProgress();
      stopEpoch();
      stopChanges();
    };
  }

  /** Loads the experiment's runs, then the epochs of the run shown first. */
  async load(): Promise<void> {
    this.loading = true;
    this.loadError = null;
    try {
      const details = await this.api.getExperiment({ id: this.experimentId });
      this.runs = orderRuns(details.runs);
    } catch (error) {
      this.loadError = messageOf(error);
      this.loading = false;
      return;
    }
    const describe = (run: RunSummary, status: RunStatus): string =>
      text.logStatus(runLabel(run), text.statuses[status]);
    this.log = mergeLog(initialLog(this.runs, describe), this.log);
    this.#nextLogId = this.log.length + 1;
    this.loading = false;
    const first = this.#chosenByUser ? this.selectedRunId : pickDefaultRun(this.runs);
    if (first !== null) await this.#select(first);
  }

  /** Shows the charts of a run the user picked; the monitor stops following the running run. */
  async choose(runId: string): Promise<void> {
    this.#chosenByUser = true;
    await this.#select(runId);
  }

  /** Pauses, resumes or cancels a run; a refusal is shown, not thrown. */
  async act(runId: string, action: RunAction): Promise<void> {
    this.actionError = null;
    this.busyRunIds = withMember(this.busyRunIds, runId, true);
    try {
      const call =
        action === 'pause'
          ? this.api.pauseRun
          : action === 'resume'
            ? this.api.resumeRun
            : this.api.cancelRun;
      const run = await call({ id: runId });
      this.runs = upsertRun(this.runs, run);
    } catch (error) {
      this.actionError = text.actionFailed(messageOf(error));
    } finally {
      this.busyRunIds = withMember(this.busyRunIds, runId, false);
    }
  }

  async #select(runId: string): Promise<void> {
    if (runId === this.selectedRunId && this.epochs.length > 0) return;
    this.selectedRunId = runId;
    this.epochs = [];
    this.batchPoints = [];
    this.#batchEpoch = null;
    this.heatmapEpoch = null;
    this.epochsLoading = true;
    const request = ++this.#epochsRequest;
    try {
      const details = await this.api.getRun({ id: runId });
      if (request !== this.#epochsRequest) return;
      // Epochs that arrived as events while the request was in flight are newer than the stored ones.
      let records: readonly EpochRecord[] = details.epochs;
      for (const record of this.epochs) records = appendEpoch(records, record);
      this.epochs = records;
      this.runs = upsertRun(this.runs, details.run);
    } catch (error) {
      if (request === this.#epochsRequest) this.actionError = messageOf(error);
    } finally {
      if (request === this.#epochsRequest) this.epochsLoading = false;
    }
  }

  #addLog(runId: string, kind: LogEntry['kind'], line: string, status: RunStatus | null): void {
    this.log = appendLog(this.log, {
      id: this.#nextLogId++,
      time: currentTimestamp(),
      runId,
      kind,
      text: line,
      status,
    });
  }
}

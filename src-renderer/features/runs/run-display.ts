import type { RunProgress, RunStatus, RunSummary } from '../../../src-shared/contracts/run-types.js';
import { strings } from '../../lib/strings.js';

/** Which of pause, resume and cancel the run's status allows (the contract's rules for runs:pause/resume/cancel). */
export interface RunActions {
  readonly pause: boolean;
  readonly resume: boolean;
  readonly cancel: boolean;
}

/** What the user can do to a run from the monitor. */
export type RunAction = keyof RunActions;

/** The actions a run in this status accepts. */
export function runActions(status: RunStatus): RunActions {
  return {
    pause: status === 'running' || status === 'queued',
    resume: status === 'paused' || status === 'interrupted' || status === 'failed',
    cancel: status === 'queued' || status === 'running' || status === 'paused' || status === 'interrupted',
  };
}

/** Whether the run has stopped for good or for now and its error text (if any) should be shown. */
export function showsError(run: Pick<RunSummary, 'status' | 'error'>): boolean {
  return (run.status === 'failed' || run.status === 'interrupted') && run.error !== null && run.error !== '';
}

/**
 * How far the run is, 0..1: finished epochs plus, while training, the share of the current epoch's batches.
 * Progress that belongs to an older epoch than the summary already counts is ignored.
 */
export function progressFraction(
  run: Pick<RunSummary, 'status' | 'epochsDone' | 'epochsTotal'>,
  progress: RunProgress | null,
): number {
  if (run.status === 'done') return 1;
  if (run.epochsTotal <= 0) return 0;
  let epochs = run.epochsDone;
  if (progress?.phase === 'training' && progress.batches > 0 && progress.epoch > run.epochsDone) {
    epochs = progress.epoch - 1 + Math.min(progress.batch, progress.batches) / progress.batches;
  }
  return Math.min(1, Math.max(0, epochs / run.epochsTotal));
}

/** Whether a run stopped part-way and can go on from its checkpoint (so an unfinished epoch is lost). */
function stoppedPartWay(run: Pick<RunSummary, 'status' | 'epochsDone' | 'epochsTotal'>): boolean {
  return (run.status === 'paused' || run.status === 'interrupted') && run.epochsDone < run.epochsTotal;
}

/** The epoch line of a run row: the epoch being trained, or how many are finished for a run that stopped. */
export function epochLine(
  run: Pick<RunSummary, 'status' | 'epochsDone' | 'epochsTotal'>,
  live: RunProgress | null,
): string {
  const text = strings.runMonitor;
  if (stoppedPartWay(run)) return text.epochsFinished(run.epochsDone, run.epochsTotal);
  return text.epochOf(live?.epoch ?? run.epochsDone, run.epochsTotal);
}

/**
 * What resuming a paused or interrupted run does: it goes on from the checkpoint of its last finished epoch,
 * so an epoch stopped part-way is trained again. Null for a run that is not waiting to be resumed.
 */
export function resumeExplanation(
  run: Pick<RunSummary, 'status' | 'epochsDone' | 'epochsTotal'>,
): string | null {
  if (!stoppedPartWay(run)) return null;
  const text = strings.runMonitor;
  return run.epochsDone === 0 ? text.resumeFromStart : text.resumeFromCheckpoint(run.epochsDone);
}

/** The title and description of the per-batch loss chart: the epoch now running, or the last one trained. */
export function batchChartText(status: RunStatus): { title: string; description: string } {
  const text = strings.runMonitor;
  if (status === 'running') return { title: text.batchChart, description: text.batchChartDescription };
  if (status === 'paused' || status === 'interrupted') {
    return { title: text.batchChartStopped, description: text.batchChartStoppedDescription };
  }
  return { title: text.batchChartLast, description: text.batchChartLastDescription };
}

/** A duration in seconds as "45 s", "12 min", "1 h 05 min". */
export function formatDuration(seconds: number): string {
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole} s`;
  const minutes = Math.round(whole / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** A 0..1 accuracy as a percentage with one decimal, or a dash when unknown. */
export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  return fraction === null || fraction === undefined || !Number.isFinite(fraction)
    ? '—'
    : `${(fraction * 100).toFixed(digits)} %`;
}

/** A loss value with three significant decimals, small values in exponent form. */
export function formatLoss(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && Math.abs(value) < 0.001) return value.toExponential(2);
  return value.toFixed(3);
}

/** Images per second rounded to a whole number, with thousands separators. */
export function formatRate(imagesPerSecond: number): string {
  return Math.round(imagesPerSecond).toLocaleString();
}

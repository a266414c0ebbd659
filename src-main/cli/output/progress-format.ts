import type { EpochRecord, RunProgress, RunSummary } from '../../../src-shared/contracts/run-types.js';
import type { ImportProgressReport } from '../../../src-shared/contracts/worker-protocol.js';
import { methodLabels } from '../../../src-shared/domain/vocabulary.js';
import { formatDuration, formatPercent } from './text-format.js';

/** A text progress bar of `width` cells for a 0..1 fraction. */
export function progressBar(fraction: number, width = 20): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(clamped * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

/** How a run is named in progress lines: role or method, backbone and seed. */
export function runLabel(run: Pick<RunSummary, 'role' | 'method' | 'backbone' | 'seed'>): string {
  const who = run.role === 'teacher' ? 'teacher' : methodLabels[run.method];
  return `${who} ${run.backbone} seed ${run.seed}`;
}

/** One progress line of the run being trained: epoch and batch (with a bar when asked), loss, img/s, ETA. */
export function formatRunProgress(label: string, progress: RunProgress, withBar: boolean): string {
  if (progress.phase === 'preparing') return `${label}: ${progress.message ?? 'preparing'}…`;
  const done =
    progress.batches === 0 ? 0 : (progress.epoch - 1 + progress.batch / progress.batches) / progress.epochs;
  const parts = [
    `${label}: epoch ${progress.epoch}/${progress.epochs}`,
    ...(withBar ? [progressBar(done)] : []),
    `batch ${progress.batch}/${progress.batches}`,
    progress.loss === null ? 'loss —' : `loss ${progress.loss.total.toFixed(3)}`,
    progress.imagesPerSecond === null ? '— img/s' : `${progress.imagesPerSecond.toFixed(0)} img/s`,
    `ETA ${formatDuration(progress.etaSeconds)}`,
  ];
  return parts.join('  ');
}

/** The line printed when a run finishes an epoch. */
export function formatEpochLine(label: string, record: EpochRecord, epochs: number): string {
  return (
    `${label}: epoch ${record.epoch}/${epochs} done in ${formatDuration(record.seconds)}: ` +
    `loss ${record.trainLoss.toFixed(3)}, train top-1 ${formatPercent(record.trainTop1)}, ` +
    `test top-1 ${formatPercent(record.testTop1)} (${record.imagesPerSecond.toFixed(0)} img/s)`
  );
}

/** The line printed when a run changes status. */
export function formatRunStatusLine(run: RunSummary): string {
  const label = runLabel(run);
  switch (run.status) {
    case 'done':
      return `${label}: done, best test top-1 ${formatPercent(run.bestTestTop1)}, last ${formatPercent(run.lastTestTop1)}${run.backend === null ? '' : ` (${run.backend})`}`;
    case 'failed':
      return `${label}: FAILED: ${run.error ?? 'no reason was recorded'}`;
    case 'interrupted':
      return `${label}: interrupted: ${run.error ?? 'the worker stopped'}`;
    case 'paused':
      return `${label}: paused after ${run.epochsDone}/${run.epochsTotal} epochs (resume: rtk-workbench resume ${run.id})`;
    default:
      return `${label}: ${run.status}`;
  }
}

/** One progress line of a dataset import: phase, count (megabytes while unpacking and writing), rate and ETA. */
export function formatImportProgress(progress: ImportProgressReport): string {
  const bytes = progress.unit === 'bytes';
  const amount = (value: number): string =>
    bytes ? (value / 1_000_000).toFixed(1) : String(Math.round(value));
  const unit = bytes ? 'MB' : progress.unit;
  const counted =
    progress.total > 0
      ? `${amount(progress.done)}/${amount(progress.total)} ${unit}`
      : `${amount(progress.done)} ${unit}`;
  const rate =
    progress.perSecond > 0
      ? `, ${bytes ? amount(progress.perSecond) : progress.perSecond.toFixed(0)} ${unit}/s`
      : '';
  const eta = progress.etaSeconds === null ? '' : `, ETA ${formatDuration(progress.etaSeconds)}`;
  return `${progress.phase}: ${counted}${rate}${eta}`;
}

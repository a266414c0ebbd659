import type { ImportProgressReport } from '../../../src-shared/contracts/worker-protocol.js';
import { formatBytes, formatCount } from '../../lib/format.js';
import { strings } from '../../lib/strings.js';

/** The line the import wizard shows for a progress report: the phase, how much is done, the rate, the time left. */
export function describeImportProgress(progress: ImportProgressReport): string {
  const text = strings.importWizard;
  const bytes = progress.unit === 'bytes';
  const amount = (value: number): string => (bytes ? formatBytes(value) : formatCount(Math.round(value)));
  const unit = bytes ? '' : (text.units[progress.unit] ?? progress.unit);
  const parts = [
    `${text.phases[progress.phase] ?? progress.phase}: ${text.amount(amount(progress.done), amount(progress.total), unit)}`,
  ];
  if (progress.perSecond > 0) {
    parts.push(text.rate(bytes ? formatBytes(progress.perSecond) : `${amount(progress.perSecond)} ${unit}`));
  }
  if (progress.etaSeconds !== null) parts.push(text.eta(strings.common.duration(progress.etaSeconds)));
  return parts.join(' · ');
}

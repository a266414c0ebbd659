import type { ExperimentResults, MeanAndSpread } from '../../../src-shared/contracts/run-types.js';
import { methodCatalog } from '../../../src-shared/domain/method-catalog.js';
import { formatPercent, formatPoints, formatTable } from './text-format.js';

function meanAndSpread(value: MeanAndSpread | null): string {
  if (value === null) return '—';
  return `${(value.mean * 100).toFixed(2)} ± ${(value.std * 100).toFixed(2)}`;
}

/** The results of an experiment as a readable table: per method mean ± std over seeds and the gain over none. */
export function formatResultsTable(results: ExperimentResults): string {
  const lines: string[] = [];
  const teacher = results.teacher;
  lines.push(
    teacher === null
      ? 'Teacher: none'
      : `Teacher: ${teacher.backbone}, best top-1 ${formatPercent(teacher.bestTop1)}, last ${formatPercent(teacher.lastTop1)}`,
  );
  lines.push(`Student: ${results.studentBackbone}`);
  lines.push('');
  const rows = results.methods.map((entry) => [
    methodCatalog[entry.method].label,
    `${entry.finishedRuns}/${entry.runIds.length}`,
    meanAndSpread(entry.best),
    meanAndSpread(entry.last),
    formatPoints(entry.gainBest),
    formatPoints(entry.gainLast),
  ]);
  lines.push(
    formatTable(
      ['Method', 'Runs done', 'Best top-1 %', 'Last top-1 %', 'Gain best', 'Gain last'],
      rows,
      new Set([1, 2, 3, 4, 5]),
    ),
  );
  lines.push('');
  lines.push('Top-1 accuracy on the test split: mean ± std over seeds; gains are over no distillation.');
  return lines.join('\n');
}

function csvCell(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function percentOrEmpty(value: number | null | undefined): number | null {
  return value === null || value === undefined ? null : Number((value * 100).toFixed(4));
}

/** The results of an experiment as CSV (RFC 4180), one row per method, accuracies in percent. */
export function formatResultsCsv(results: ExperimentResults): string {
  const header = [
    'experiment_id',
    'method',
    'student_backbone',
    'teacher_backbone',
    'teacher_best_top1',
    'seeds',
    'runs_done',
    'best_top1_mean',
    'best_top1_std',
    'last_top1_mean',
    'last_top1_std',
    'gain_best',
    'gain_last',
  ];
  const rows = results.methods.map((entry) => [
    results.experimentId,
    entry.method,
    results.studentBackbone,
    results.teacher?.backbone ?? null,
    percentOrEmpty(results.teacher?.bestTop1),
    entry.seeds.join(' '),
    entry.finishedRuns,
    percentOrEmpty(entry.best?.mean),
    percentOrEmpty(entry.best?.std),
    percentOrEmpty(entry.last?.mean),
    percentOrEmpty(entry.last?.std),
    percentOrEmpty(entry.gainBest),
    percentOrEmpty(entry.gainLast),
  ]);
  return [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

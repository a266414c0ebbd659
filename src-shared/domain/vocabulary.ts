import type { DistillationMethod } from './method-catalog.js';

/**
 * The words the user reads for methods, figures and result columns, the same in the CLI, the UI and the
 * exports. Product text uses British spelling ("distil"); code identifiers keep "distillation".
 */

/** The name of each method; the baseline without a teacher is the student trained alone. */
export const methodLabels: Readonly<Record<DistillationMethod, string>> = {
  none: 'Student alone',
  kd: 'KD',
  at: 'AT',
  afd: 'AFD',
  rtk: 'RTK',
};

/** The name of the teacher where it stands beside the methods (tables, charts, CSV). */
export const teacherLabel = 'Teacher';

/** The label of a method id as stored with a run; an id this version does not know is shown as it is. */
export function methodLabel(method: string): string {
  return Object.hasOwn(methodLabels, method) ? methodLabels[method as DistillationMethod] : method;
}

/** The names of the figures the workbench measures and shows. */
export const figureNames = {
  method: 'Method',
  network: 'Network',
  finishedRuns: 'Finished runs',
  testTop1: 'Test top-1',
  testTop5: 'Test top-5',
  bestTestTop1: 'Best test top-1',
  lastTestTop1: 'Last test top-1',
  gainBest: 'Gain (best)',
  gainLast: 'Gain (last)',
  parameters: 'Parameters',
  macs: 'Multiply-adds per image',
  size: 'Size (float32)',
  latency: 'Latency',
  perClassAccuracy: 'Per-class accuracy',
  gain: 'Gain',
  teacherAccuracy: 'Teacher test top-1',
  inAppAccuracy: 'In-app accuracy',
  exportedAccuracy: 'Exported accuracy',
  top1Agreement: 'Top-1 agreement',
  logitDifference: 'Largest score difference',
  modelFiles: 'Model files',
  peakMemory: 'Peak activation memory',
} as const;

/** What the gains of a results table are measured against, as its caption says. */
export const resultsCaption =
  'Mean ± standard deviation over seeds; gains are against the student trained alone.';

/** What the recommendation compares, as the CLI and the UI say under it. */
export const recommendationBasis =
  'The recommendation compares the test top-1 after each run’s final epoch (the weights an export ships), mean ' +
  'over seeds; the gain counts as beyond the seed noise when Welch’s t-test gives p < 0.05.';

/**
 * The columns of a results CSV, from the CLI (`results --csv`) and from the UI's Compare page alike: one row
 * for the teacher (when known), then one per method; accuracies and gains in percent.
 */
export const resultsCsvColumns = [
  'experiment_id',
  'method',
  'method_name',
  'network',
  'seeds',
  'finished_runs',
  'total_runs',
  'best_top1_mean',
  'best_top1_std',
  'last_top1_mean',
  'last_top1_std',
  'gain_best_points',
  'gain_last_points',
  'parameters',
  'size_bytes',
  'latency_ms',
] as const;

import type {
  ExperimentResults,
  MeanAndSpread,
  EpochRecord,
} from '../../../src-shared/contracts/run-types.js';
import type { ExperimentSpec } from '../../../src-shared/domain/experiment-spec.js';
import { methodCatalog, resolveHyperparameters } from '../../../src-shared/domain/method-catalog.js';
import type { DistillationMethod } from '../../../src-shared/domain/method-catalog.js';

/** A row key of the comparison: the teacher or one method. */
export type CompareKey = 'teacher' | DistillationMethod;

/** Size and speed of a network, when known. */
export interface NetworkFigures {
  readonly parameters: number | null;
  readonly bytes: number | null;
  readonly latencyMilliseconds: number | null;
}

/** One row of the comparison table. */
export interface CompareRow {
  readonly key: CompareKey;
  readonly label: string;
  readonly backbone: string;
  readonly finishedRuns: number;
  readonly totalRuns: number;
  readonly best: MeanAndSpread | null;
  readonly last: MeanAndSpread | null;
  readonly gainBest: number | null;
  readonly gainLast: number | null;
  readonly figures: NetworkFigures;
}

const unknownFigures: NetworkFigures = { parameters: null, bytes: null, latencyMilliseconds: null };

/** The order rows appear in: the teacher, the student alone, then the methods from simplest to RTK. */
export const compareOrder: readonly CompareKey[] = ['teacher', 'none', 'kd', 'at', 'afd', 'rtk'];

/**
 * The rows of the comparison table: the teacher (when known) and every method that ran, in `compareOrder`;
 * the teacher's single run counts as a mean with no spread.
 */
export function buildCompareRows(
  results: ExperimentResults,
  labels: Readonly<Record<CompareKey, string>>,
  figures: { readonly teacher: NetworkFigures | null; readonly student: NetworkFigures | null },
): CompareRow[] {
  const rows: CompareRow[] = [];
  const single = (value: number | null): MeanAndSpread | null =>
    value === null ? null : { mean: value, std: 0, count: 1 };
  if (results.teacher !== null) {
    const finished = results.teacher.bestTop1 === null ? 0 : 1;
    rows.push({
      key: 'teacher',
      label: labels.teacher,
      backbone: results.teacher.backbone,
      finishedRuns: finished,
      totalRuns: 1,
      best: single(results.teacher.bestTop1),
      last: single(results.teacher.lastTop1),
      gainBest: null,
      gainLast: null,
      figures: figures.teacher ?? unknownFigures,
    });
  }
  for (const key of compareOrder) {
    const method = results.methods.find((entry) => entry.method === key);
    if (method === undefined) continue;
    rows.push({
      key: method.method,
      label: labels[method.method],
      backbone: results.studentBackbone,
      finishedRuns: method.finishedRuns,
      totalRuns: method.runIds.length,
      best: method.best,
      last: method.last,
      gainBest: method.gainBest,
      gainLast: method.gainLast,
      figures: figures.student ?? unknownFigures,
    });
  }
  return rows;
}

/** A 0..1 accuracy mean ± std as percentages with two decimals; the spread is left out for a single value. */
export function formatMeanAndSpread(value: MeanAndSpread | null, missing = '—'): string {
  if (value === null) return missing;
  const mean = (value.mean * 100).toFixed(2);
  return value.count > 1 ? `${mean} ± ${(value.std * 100).toFixed(2)}` : mean;
}

/** A 0..1 accuracy difference as signed percentage points, e.g. "+1.66". */
export function formatGain(gain: number | null, missing = '—'): string {
  if (gain === null || !Number.isFinite(gain)) return missing;
  const points = gain * 100;
  const rounded = points.toFixed(2);
  return points > 0 && rounded !== '0.00' ? `+${rounded}` : rounded === '-0.00' ? '0.00' : rounded;
}

function csvField(value: string | number | null): string {
  if (value === null) return '';
  const textValue = String(value);
  return /[",\r\n]/.test(textValue) ? `"${textValue.replaceAll('"', '""')}"` : textValue;
}

/** The comparison as CSV: one row per method, accuracies in percent with four decimals, empty when unknown. */
export function buildCompareCsv(rows: readonly CompareRow[]): string {
  const percent = (value: number | null | undefined): number | null =>
    value === null || value === undefined ? null : Number((value * 100).toFixed(4));
  const header = [
    'method',
    'network',
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
  ];
  const lines = rows.map((row) =>
    [
      row.label,
      row.backbone,
      row.finishedRuns,
      row.totalRuns,
      percent(row.best?.mean),
      percent(row.best?.std),
      percent(row.last?.mean),
      percent(row.last?.std),
      percent(row.gainBest),
      percent(row.gainLast),
      row.figures.parameters,
      row.figures.bytes,
      row.figures.latencyMilliseconds,
    ]
      .map(csvField)
      .join(','),
  );
  return [header.join(','), ...lines].join('\r\n') + '\r\n';
}

/** A file name without the characters file systems refuse. */
export function safeFileName(name: string): string {
  const cleaned = [...name]
    .map((character) => (character.charCodeAt(0) < 32 || '\\/:*?"<>|'.includes(character) ? ' ' : character))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned === '' ? 'experiment' : cleaned;
}

/** The mean over runs of the test top-1 at each epoch that at least one run reached. */
export function meanTestCurve(runs: readonly (readonly EpochRecord[])[]): { x: number; y: number }[] {
  const sums = new Map<number, { total: number; count: number }>();
  for (const records of runs) {
    for (const record of records) {
      const entry = sums.get(record.epoch) ?? { total: 0, count: 0 };
      entry.total += record.testTop1;
      entry.count += 1;
      sums.set(record.epoch, entry);
    }
  }
  return [...sums.entries()]
    .sort(([first], [second]) => first - second)
    .map(([epoch, { total, count }]) => ({ x: epoch, y: total / count }));
}

/** One hyperparameter across the methods: its shown value per method, null where the method does not use it. */
export interface HyperparameterRow {
  readonly key: string;
  readonly label: string;
  readonly values: Readonly<Partial<Record<DistillationMethod, string | null>>>;
  /** Whether the methods that use it use different values. */
  readonly differs: boolean;
}

/** How the hyperparameter table labels what it cannot show as a plain value. */
export interface HyperparameterWords {
  readonly derived: (value: string) => string;
  readonly schedule: Readonly<Record<string, string>>;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

function describeSchedule(schedule: ExperimentSpec['schedule']['learningRateSchedule']): string {
  switch (schedule.kind) {
    case 'constant':
      return 'constant';
    case 'step':
      return `step ×${schedule.gamma} at ${schedule.milestones.join(', ')}`;
    case 'cosine':
      return `cosine to ${schedule.minimum}`;
  }
}

/**
 * The hyperparameters of every method in the spec (other than the student alone, which has none) with the
 * values its runs used: overrides from the spec, else the default, else the default derived from the tap
 * counts (when they are known). Schedule values are shared by all methods and listed first.
 */
export function hyperparameterRows(
  spec: ExperimentSpec,
  taps: { readonly teacher: number; readonly student: number } | null,
  words: HyperparameterWords,
): HyperparameterRow[] {
  const methods = spec.methods.filter((method) => method !== 'none');
  const scheduleValues: [string, string][] = [
    ['epochs', String(spec.schedule.epochs)],
    ['batchSize', String(spec.schedule.batchSize)],
    ['learningRate', formatNumber(spec.schedule.learningRate)],
    ['momentum', formatNumber(spec.schedule.momentum)],
    ['weightDecay', formatNumber(spec.schedule.weightDecay)],
    ['learningRateSchedule', describeSchedule(spec.schedule.learningRateSchedule)],
    ['warmupEpochs', String(spec.schedule.warmupEpochs)],
  ];
  const rows: HyperparameterRow[] = scheduleValues.map(([key, value]) => ({
    key: `schedule.${key}`,
    label: words.schedule[key] ?? key,
    values: Object.fromEntries(methods.map((method) => [method, value])),
    differs: false,
  }));

  const resolved = new Map<DistillationMethod, Record<string, unknown> | null>();
  for (const method of methods) {
    if (taps === null) {
      resolved.set(method, null);
      continue;
    }
    try {
      resolved.set(method, { ...resolveHyperparameters(method, spec.hyperparameters[method] ?? {}, taps) });
    } catch {
      resolved.set(method, null);
    }
  }

  const keys: { key: string; label: string }[] = [];
  for (const method of methods) {
    for (const parameter of methodCatalog[method].hyperparameters) {
      if (!keys.some((entry) => entry.key === parameter.key))
        keys.push({ key: parameter.key, label: parameter.label });
    }
  }
  for (const { key, label } of keys) {
    const values: Partial<Record<DistillationMethod, string | null>> = {};
    for (const method of methods) {
      const parameter = methodCatalog[method].hyperparameters.find((entry) => entry.key === key);
      if (parameter === undefined) {
        values[method] = null;
        continue;
      }
      const given = spec.hyperparameters[method]?.[key];
      const fromResolved = resolved.get(method)?.[key];
      const applies =
        parameter.kind !== 'number' ||
        parameter.appliesWhen === undefined ||
        String(
          spec.hyperparameters[method]?.[parameter.appliesWhen.key] ??
            methodCatalog[method].hyperparameters.find((entry) => entry.key === parameter.appliesWhen?.key)
              ?.default,
        ) === parameter.appliesWhen.value;
      if (!applies) {
        values[method] = null;
      } else if (parameter.kind === 'choice') {
        const value = given ?? parameter.default;
        values[method] = parameter.options.find((option) => option.value === value)?.label ?? String(value);
      } else if (given !== undefined) {
        values[method] = typeof given === 'number' ? formatNumber(given) : given;
      } else if (parameter.default !== null) {
        values[method] = formatNumber(parameter.default);
      } else if (typeof fromResolved === 'number') {
        values[method] = words.derived(formatNumber(fromResolved));
      } else {
        values[method] = words.derived(parameter.derivedDefault ?? '');
      }
    }
    const used = Object.values(values).filter(
      (value): value is string => value !== null && value !== undefined,
    );
    rows.push({ key, label, values, differs: new Set(used).size > 1 });
  }
  return rows;
}

/** The ids of the runs whose epochs the curves need: every run of the experiment and a reused teacher's run. */
export function runIdsToLoad(runIds: readonly string[], teacherRunId: string | null): string[] {
  return [...new Set(teacherRunId === null ? runIds : [...runIds, teacherRunId])];
}

/** Each loaded run's epochs by run id (runs that failed to load are left out). */
export function epochsByRunId(
  runs: readonly ({
    readonly run: { readonly id: string };
    readonly epochs: readonly EpochRecord[];
  } | null)[],
): ReadonlyMap<string, readonly EpochRecord[]> {
  const epochs = new Map<string, readonly EpochRecord[]>();
  for (const run of runs) if (run !== null) epochs.set(run.run.id, run.epochs);
  return epochs;
}

import type {
  ExperimentResults,
  MeanAndSpread,
  EpochRecord,
} from '../../../src-shared/contracts/run-types.js';
import type { ExperimentSpec } from '../../../src-shared/domain/experiment-spec.js';
import { methodCatalog, resolveHyperparameters } from '../../../src-shared/domain/method-catalog.js';
import type { DistillationMethod } from '../../../src-shared/domain/method-catalog.js';
import type { ModelProfile } from '../../../src-shared/contracts/api.js';
import type { BackboneDescription } from '../../../src-shared/domain/backbone-catalog.js';
import { buildResultsCsv, describeForDataset, resultsOrder } from '../../../src-shared/domain/results-csv.js';
import type { DatasetShape, NetworkFigures } from '../../../src-shared/domain/results-csv.js';

/** A row key of the comparison: the teacher or one method. */
export type CompareKey = 'teacher' | DistillationMethod;

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
export const compareOrder: readonly CompareKey[] = resultsOrder;

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

/** Size and speed of a network: measured once profiled, else the catalog's figures; null when neither is known. */
export function figuresOf(
  description: BackboneDescription | null,
  profile: ModelProfile | null,
): NetworkFigures | null {
  if (description === null && profile === null) return null;
  return {
    parameters: profile?.parameterCount ?? description?.parameterCount ?? null,
    bytes: profile?.fileBytes.float32 ?? description?.float32Bytes ?? null,
    latencyMilliseconds: profile?.latency.tfjs.medianMilliseconds ?? null,
  };
}

/** The comparison as the Download CSV button writes it: the CLI's columns, with the sizes and speeds known here. */
export function compareCsv(
  results: ExperimentResults,
  dataset: DatasetShape | null,
  profiles: { readonly teacher: ModelProfile | null; readonly student: ModelProfile | null },
): string {
  return buildResultsCsv(results, {
    teacher: figuresOf(describeForDataset(results.teacher?.backbone ?? null, dataset), profiles.teacher),
    student: figuresOf(describeForDataset(results.studentBackbone, dataset), profiles.student),
  });
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

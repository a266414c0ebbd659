import type {
  ExperimentResults,
  MeanAndSpread,
  EpochRecord,
} from '../../../src-shared/contracts/run-types.js';
import type { ExperimentSpec } from '../../../src-shared/domain/experiment-spec.js';
import type { DistillationMethod } from '../../../src-shared/domain/method-catalog.js';
import { formatSetting } from '../../../src-shared/domain/resolved-hyperparameters.js';
import type {
  HyperparameterSource,
  MethodHyperparameterTable,
} from '../../../src-shared/domain/resolved-hyperparameters.js';
import { describeLearningRateSchedule } from '../../../src-shared/domain/training-recipe.js';
import type { ExperimentDetails, ModelProfile } from '../../../src-shared/contracts/api.js';
import {
  bestTestTop1Definition,
  gainDefinition,
  lastTestTop1Definition,
  latencyDefinition,
  parametersDefinition,
  perClassAccuracyDefinition,
  teacherAccuracyDefinition,
  weightSizeDefinition,
} from '../../../src-shared/domain/figure-definitions.js';
import type { FigureDefinition } from '../../../src-shared/domain/figure-definitions.js';
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

/** One setting across the methods: its shown value per method, null where the method does not use it. */
export interface HyperparameterRow {
  readonly key: string;
  readonly label: string;
  readonly values: Readonly<Partial<Record<DistillationMethod, string | null>>>;
  /** Whether every method of the table uses it, with one and the same value. */
  readonly shared: boolean;
}

/** How the hyperparameter table words a value and where it came from. */
export interface HyperparameterWords {
  readonly value: (shown: string, source: HyperparameterSource) => string;
  /** A derived default whose tap counts are not known: its rule. */
  readonly unknownDerived: (rule: string) => string;
  readonly schedule: Readonly<Record<string, string>>;
}

/**
 * The settings of every method in the spec (other than the student alone, which has none): first the
 * schedule, which every run shares, then each method's hyperparameters with the values its runs used, set,
 * default or derived from the tap counts. A row is shared only when every method uses it with the same value;
 * a setting only some methods have is never stated as shared.
 */
export function hyperparameterRows(
  spec: ExperimentSpec,
  table: MethodHyperparameterTable,
  words: HyperparameterWords,
): HyperparameterRow[] {
  const methods = spec.methods.filter((method) => method !== 'none');
  const scheduleValues: [string, string][] = [
    ['epochs', String(spec.schedule.epochs)],
    ['batchSize', String(spec.schedule.batchSize)],
    ['learningRate', formatSetting(spec.schedule.learningRate)],
    ['momentum', formatSetting(spec.schedule.momentum)],
    ['weightDecay', formatSetting(spec.schedule.weightDecay)],
    ['learningRateSchedule', describeLearningRateSchedule(spec.schedule.learningRateSchedule)],
    ['warmupEpochs', String(spec.schedule.warmupEpochs)],
  ];
  const rows: HyperparameterRow[] = scheduleValues.map(([key, value]) => ({
    key: `schedule.${key}`,
    label: words.schedule[key] ?? key,
    values: Object.fromEntries(methods.map((method) => [method, value])),
    shared: true,
  }));

  const keys: { key: string; label: string }[] = [];
  for (const method of methods) {
    for (const entry of table[method] ?? []) {
      if (!keys.some((known) => known.key === entry.key)) keys.push({ key: entry.key, label: entry.label });
    }
  }
  for (const { key, label } of keys) {
    const values: Partial<Record<DistillationMethod, string | null>> = {};
    const raw: (number | string | null | undefined)[] = [];
    for (const method of methods) {
      const entry = table[method]?.find((candidate) => candidate.key === key);
      raw.push(entry === undefined ? undefined : entry.value);
      values[method] =
        entry === undefined
          ? null
          : entry.value === null
            ? words.unknownDerived(entry.rule ?? '')
            : words.value(entry.shown, entry.source);
    }
    const first = raw[0];
    const shared =
      methods.length > 1 && first !== undefined && first !== null && raw.every((value) => value === first);
    rows.push({ key, label, values, shared });
  }
  return rows;
}

/** The rules of the derived values in the table, once per setting and rule, for the note under it. */
export function derivedRules(
  spec: ExperimentSpec,
  table: MethodHyperparameterTable,
): { readonly label: string; readonly rule: string }[] {
  const rules: { label: string; rule: string }[] = [];
  for (const method of spec.methods) {
    for (const entry of table[method] ?? []) {
      if (entry.source !== 'derived' || entry.rule === null) continue;
      if (!rules.some((known) => known.label === entry.label && known.rule === entry.rule))
        rules.push({ label: entry.label, rule: entry.rule });
    }
  }
  return rules;
}

/**
 * What the comparison's figures mean: the teacher's accuracy (trained here or measured at import), the
 * per-epoch figures and gains on the experiment's test images, the network figures and, once measured, the
 * latency with its engine and settings.
 */
export function compareDefinitions(
  details: Pick<ExperimentDetails, 'measurement'>,
  results: ExperimentResults | null,
  studentProfile: ModelProfile | null,
): FigureDefinition[] {
  const test = details.measurement.test;
  const seeds = Math.max(0, ...(results?.methods ?? []).map((method) => method.seeds.length));
  return [
    ...(results?.teacher === null || results === null
      ? []
      : [teacherAccuracyDefinition(details.measurement.teacher)]),
    bestTestTop1Definition(test, { seeds }),
    lastTestTop1Definition(test, { seeds }),
    gainDefinition(test),
    perClassAccuracyDefinition(test),
    parametersDefinition(),
    weightSizeDefinition('float32'),
    ...(studentProfile === null ? [] : [latencyDefinition(studentProfile.latency.tfjs, 'architecture')]),
  ];
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

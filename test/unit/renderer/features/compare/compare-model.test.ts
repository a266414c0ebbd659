import { describe, expect, it } from 'vitest';
import type { EpochRecord, ExperimentResults } from '../../../../../src-shared/contracts/run-types.js';
import { experimentSpecSchema } from '../../../../../src-shared/domain/experiment-spec.js';
import type { ModelProfile } from '../../../../../src-shared/contracts/api.js';
import { resolvedHyperparameters } from '../../../../../src-shared/domain/resolved-hyperparameters.js';
import type { MethodHyperparameterTable } from '../../../../../src-shared/domain/resolved-hyperparameters.js';
import {
  buildCompareRows,
  compareDefinitions,
  derivedRules,
  epochsByRunId,
  formatGain,
  formatMeanAndSpread,
  hyperparameterRows,
  meanTestCurve,
  runIdsToLoad,
  safeFileName,
} from '../../../../../src-renderer/features/compare/compare-model.js';
import type { CompareKey } from '../../../../../src-renderer/features/compare/compare-model.js';

const labels: Record<CompareKey, string> = {
  teacher: 'Teacher',
  none: 'Student alone',
  kd: 'KD',
  at: 'AT',
  afd: 'AFD',
  rtk: 'RTK',
};

const results: ExperimentResults = {
  experimentId: 'e',
  classNames: ['cat', 'dog'],
  teacher: { runId: 't', backbone: 'wrn-40-2', bestTop1: 0.7561, lastTop1: 0.75 },
  studentBackbone: 'wrn-16-2',
  recommendation: null,
  methods: [
    {
      method: 'rtk',
      runIds: ['r1', 'r2'],
      seeds: [1, 2],
      finishedRuns: 2,
      best: { mean: 0.75, std: 0.002, count: 2 },
      last: { mean: 0.749, std: 0.001, count: 2 },
      gainBest: 0.0174,
      gainLast: 0.0164,
      perClassDelta: [0.01, -0.02],
    },
    {
      method: 'none',
      runIds: ['n1', 'n2'],
      seeds: [1, 2],
      finishedRuns: 1,
      best: { mean: 0.7326, std: 0, count: 1 },
      last: { mean: 0.7326, std: 0, count: 1 },
      gainBest: null,
      gainLast: null,
      perClassDelta: null,
    },
  ],
};

describe('buildCompareRows', () => {
  it('puts the teacher first and the methods in a fixed order, with their figures', () => {
    const rows = buildCompareRows(results, labels, {
      teacher: { parameters: 2_243_546, bytes: 9_000_000, latencyMilliseconds: null },
      student: { parameters: 691_674, bytes: 2_800_000, latencyMilliseconds: 1.5 },
    });
    expect(rows.map((row) => row.key)).toEqual(['teacher', 'none', 'rtk']);
    expect(rows[0]).toMatchObject({
      label: 'Teacher',
      backbone: 'wrn-40-2',
      best: { mean: 0.7561, std: 0, count: 1 },
      finishedRuns: 1,
      totalRuns: 1,
    });
    expect(rows[2]).toMatchObject({ backbone: 'wrn-16-2', finishedRuns: 2, totalRuns: 2, gainBest: 0.0174 });
    expect(rows[2]?.figures.parameters).toBe(691_674);
    expect(rows[1]?.finishedRuns).toBe(1);
  });

  it('leaves figures unknown when none are given and omits a missing teacher', () => {
    const rows = buildCompareRows({ ...results, teacher: null }, labels, { teacher: null, student: null });
    expect(rows.map((row) => row.key)).toEqual(['none', 'rtk']);
    expect(rows[0]?.figures).toEqual({ parameters: null, bytes: null, latencyMilliseconds: null });
  });
});

describe('formatting', () => {
  it('shows mean ± std in percent, the mean alone for one seed', () => {
    expect(formatMeanAndSpread({ mean: 0.74923, std: 0.00312, count: 3 })).toBe('74.92 ± 0.31');
    expect(formatMeanAndSpread({ mean: 0.7326, std: 0, count: 1 })).toBe('73.26');
    expect(formatMeanAndSpread(null)).toBe('—');
  });

  it('signs gains in percentage points', () => {
    expect(formatGain(0.0166)).toBe('+1.66');
    expect(formatGain(-0.0042)).toBe('-0.42');
    expect(formatGain(-0.00001)).toBe('0.00');
    expect(formatGain(null, 'n/a')).toBe('n/a');
  });
});

describe('file names and run ids', () => {
  it('replaces characters file systems refuse', () => {
    expect(safeFileName('CIFAR/10: "quick"?')).toBe('CIFAR 10 quick');
    expect(safeFileName('///')).toBe('experiment');
  });

  it('adds a reused teacher run once', () => {
    expect(runIdsToLoad(['a', 'b'], 'c')).toEqual(['a', 'b', 'c']);
    expect(runIdsToLoad(['a', 'b'], 'a')).toEqual(['a', 'b']);
    expect(runIdsToLoad(['a'], null)).toEqual(['a']);
  });
});

function record(epoch: number, testTop1: number): EpochRecord {
  return {
    epoch,
    learningRate: 0.05,
    trainLoss: 1,
    trainCe: 1,
    trainKd: 0,
    trainFeature: 0,
    trainTop1: 0.5,
    testLoss: 1,
    testTop1,
    testTop5: 0.9,
    seconds: 1,
    imagesPerSecond: 100,
    perClass: [],
    attention: null,
    selection: null,
  };
}

describe('meanTestCurve and epochsByRunId', () => {
  it('averages the seeds that reached each epoch', () => {
    const curve = meanTestCurve([
      [record(1, 0.2), record(2, 0.4)],
      [record(2, 0.6), record(1, 0.4)],
      [record(3, 0.9)],
    ]);
    expect(curve.map((point) => point.x)).toEqual([1, 2, 3]);
    expect(curve[0]?.y).toBeCloseTo(0.3, 10);
    expect(curve[1]?.y).toBeCloseTo(0.5, 10);
    expect(curve[2]?.y).toBeCloseTo(0.9, 10);
  });

  it('maps loaded runs to their epochs and skips failed loads', () => {
    const map = epochsByRunId([{ run: { id: 'a' }, epochs: [record(1, 0.1)] }, null]);
    expect([...map.keys()]).toEqual(['a']);
  });
});

describe('hyperparameterRows', () => {
  const spec = experimentSpecSchema.parse({
    name: 'x',
    datasetId: 'd',
    teacher: { source: 'train', backbone: 'wrn-40-2' },
    student: { backbone: 'wrn-16-2' },
    methods: ['kd', 'afd', 'rtk'],
    hyperparameters: { kd: { temperature: 3 }, rtk: { rtkSelection: 'threshold' } },
    schedule: { epochs: 5 },
    seeds: [1],
  });
  const words = {
    value: (shown: string, source: string) => (source === 'set' ? shown : `${shown} (${source})`),
    unknownDerived: (rule: string) => `${rule} (tap counts unknown)`,
    schedule: { epochs: 'Epochs' },
  };
  const tableOf = (
    of: typeof spec,
    taps: { teacher: number; student: number } | null,
  ): MethodHyperparameterTable =>
    Object.fromEntries(
      of.methods.map((method) => [
        method,
        resolvedHyperparameters(method, of.hyperparameters[method] ?? {}, taps),
      ]),
    );

  it('lists the shared schedule and every method’s values, defaults and derived ones included', () => {
    const rows = hyperparameterRows(spec, tableOf(spec, { teacher: 18, student: 6 }), words);
    const byKey = new Map(rows.map((row) => [row.key, row]));
    expect(byKey.get('schedule.epochs')).toMatchObject({
      label: 'Epochs',
      values: { kd: '5', afd: '5', rtk: '5' },
      shared: true,
    });
    expect(byKey.get('temperature')).toMatchObject({
      values: { kd: '3', afd: '4 (default)', rtk: '4 (default)' },
      shared: false,
    });
    expect(byKey.get('kdWeight')?.shared).toBe(true);
    expect(byKey.get('beta')).toMatchObject({
      values: { kd: null, afd: '200 (default)', rtk: '600 (derived)' },
      shared: false,
    });
    // k applies only to top-k selection; this RTK uses a threshold, so no method has a k.
    expect(byKey.has('rtkK')).toBe(false);
    expect(byKey.get('rtkTau')?.values.rtk).toBe('0.0555556 (derived)');
    // A setting only RTK has is RTK's own, never a value every method shares.
    expect(byKey.get('rtkSelection')).toMatchObject({
      values: { kd: null, afd: null, rtk: 'Layers above an attention threshold' },
      shared: false,
    });
    expect(rows.filter((row) => row.shared).map((row) => row.key)).toEqual([
      'schedule.epochs',
      'schedule.batchSize',
      'schedule.learningRate',
      'schedule.momentum',
      'schedule.weightDecay',
      'schedule.learningRateSchedule',
      'schedule.warmupEpochs',
      'kdWeight',
    ]);
  });

  it('shows RTK’s β = 600 and k = 3 when it is the only distillation method, and states nothing as shared but the schedule', () => {
    const alone = experimentSpecSchema.parse({ ...spec, methods: ['none', 'rtk'], hyperparameters: {} });
    const rows = hyperparameterRows(alone, tableOf(alone, { teacher: 18, student: 6 }), words);
    const notShared = rows.filter((row) => !row.shared);
    expect(notShared.map((row) => [row.key, row.values.rtk])).toEqual([
      ['beta', '600 (derived)'],
      ['qkDim', '128 (default)'],
      ['temperature', '4 (default)'],
      ['kdWeight', '0.9 (default)'],
      ['rtkSelection', 'Top k teacher layers (default)'],
      ['rtkK', '3 (derived)'],
      ['rtkDistance', 'Normalised squared distance (default)'],
    ]);
  });

  it('gives the rule of a derived default when the tap counts are unknown, and lists the rules', () => {
    const table = tableOf(spec, null);
    const rows = hyperparameterRows(spec, table, words);
    expect(rows.find((row) => row.key === 'beta')?.values.rtk).toBe(
      '200 × teacher taps ÷ student taps (tap counts unknown)',
    );
    expect(derivedRules(spec, table)).toEqual([
      { label: 'Feature weight β', rule: '200 × teacher taps ÷ student taps' },
      { label: 'Threshold τ', rule: '1 ÷ teacher taps' },
    ]);
  });
});

describe('compareDefinitions', () => {
  const measurement = {
    test: { images: 500, splitImages: 10_000 },
    teacher: { source: 'imported' as const, images: 10_000, splitImages: 10_000 },
  };

  it('defines every figure of the table on the experiment’s test images, the teacher’s on its own', () => {
    const definitions = compareDefinitions({ measurement }, results, null);
    expect(definitions.map((definition) => definition.key)).toEqual([
      'teacherAccuracy',
      'bestTestTop1',
      'lastTestTop1',
      'gain',
      'perClassAccuracy',
      'parameters',
      'weightSize',
    ]);
    const images = (key: string): string | undefined =>
      definitions.find((definition) => definition.key === key)?.facts.find((fact) => fact.name === 'Images')
        ?.value;
    expect(images('bestTestTop1')).toMatch(/^500 of the 10,000 test images/);
    expect(images('teacherAccuracy')).toMatch(/^all 10,000 test images/);
  });

  it('adds the latency with its engine, batch, threads and runs once it is measured', () => {
    const profile = {
      latency: {
        tfjs: {
          medianMilliseconds: 21.4,
          p90Milliseconds: 25,
          runs: 50,
          engine: 'tfjs (wasm)',
          batchSize: 1,
          threads: 1,
          warmupRuns: 5,
        },
      },
    } as ModelProfile;
    const latency = compareDefinitions({ measurement }, results, profile).at(-1);
    expect(latency?.key).toBe('latency');
    expect(latency?.facts).toEqual([
      { name: 'Engine', value: 'tfjs (wasm)' },
      {
        name: 'Model',
        value: 'an untrained network of the same architecture (speed does not depend on the weights)',
      },
      { name: 'Batch size', value: '1' },
      { name: 'Threads', value: '1 (one core)' },
      { name: 'Runs', value: 'median of 50 timed runs after 5 warm-up runs' },
    ]);
  });
});

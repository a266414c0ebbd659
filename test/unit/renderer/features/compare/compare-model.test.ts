import { describe, expect, it } from 'vitest';
import type { EpochRecord, ExperimentResults } from '../../../../../src-shared/contracts/run-types.js';
import { experimentSpecSchema } from '../../../../../src-shared/domain/experiment-spec.js';
import {
  buildCompareRows,
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
  const words = { derived: (value: string) => `${value} (derived)`, schedule: { epochs: 'Epochs' } };

  it('lists the schedule and every method hyperparameter with the values used', () => {
    const rows = hyperparameterRows(spec, { teacher: 18, student: 6 }, words);
    const byKey = new Map(rows.map((row) => [row.key, row]));
    expect(byKey.get('schedule.epochs')).toMatchObject({
      label: 'Epochs',
      values: { kd: '5', afd: '5', rtk: '5' },
      differs: false,
    });
    expect(byKey.get('temperature')).toMatchObject({
      values: { kd: '3', afd: '4', rtk: '4' },
      differs: true,
    });
    expect(byKey.get('kdWeight')?.differs).toBe(false);
    expect(byKey.get('beta')).toMatchObject({
      values: { kd: null, afd: '200', rtk: '600 (derived)' },
      differs: true,
    });
    // k applies only to top-k selection; this RTK uses a threshold.
    expect(byKey.get('rtkK')?.values.rtk).toBeNull();
    expect(byKey.get('rtkTau')?.values.rtk).toBe('0.0555556 (derived)');
    expect(byKey.get('rtkSelection')).toMatchObject({
      values: { rtk: 'Layers above an attention threshold' },
      differs: false,
    });
    expect(rows.filter((row) => row.differs).map((row) => row.key)).toEqual(['temperature', 'beta']);
  });

  it('explains derived defaults in words when the tap counts are unknown', () => {
    const rows = hyperparameterRows(spec, null, words);
    expect(rows.find((row) => row.key === 'beta')?.values.rtk).toBe(
      '200 × teacher taps ÷ student taps (derived)',
    );
  });
});

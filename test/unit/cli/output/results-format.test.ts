import { describe, expect, it } from 'vitest';
import type { ExperimentResults } from '../../../../src-shared/contracts/run-types.js';
import { formatResultsCsv, formatResultsTable } from '../../../../src-main/cli/output/results-format.js';

const results: ExperimentResults = {
  experimentId: 'experiment-1',
  classNames: ['cat', 'dog'],
  teacher: { runId: 'teacher-1', backbone: 'wrn-40-2', bestTop1: 0.7561, lastTop1: 0.75 },
  studentBackbone: 'wrn-16-2',
  recommendation: null,
  methods: [
    {
      method: 'none',
      runIds: ['a', 'b'],
      seeds: [1, 2],
      finishedRuns: 2,
      best: { mean: 0.7326, std: 0.0012, count: 2 },
      last: { mean: 0.73, std: 0.002, count: 2 },
      gainBest: null,
      gainLast: null,
      perClassDelta: null,
    },
    {
      method: 'rtk',
      runIds: ['c', 'd'],
      seeds: [1, 2],
      finishedRuns: 1,
      best: { mean: 0.7601, std: 0, count: 1 },
      last: { mean: 0.7588, std: 0, count: 1 },
      gainBest: 0.0275,
      gainLast: 0.0288,
      perClassDelta: [0.01, -0.02],
    },
    {
      method: 'kd',
      runIds: ['e'],
      seeds: [1],
      finishedRuns: 0,
      best: null,
      last: null,
      gainBest: null,
      gainLast: null,
      perClassDelta: null,
    },
  ],
};

describe('the results table', () => {
  it('shows the teacher, and per method the finished runs, mean ± std in percent and the gain over none', () => {
    const table = formatResultsTable(results);
    const lines = table.split('\n');
    expect(lines[0]).toBe('Teacher: wrn-40-2, best top-1 75.61%, last 75.00%');
    expect(lines[1]).toBe('Student: wrn-16-2');
    const rtk = lines.find((line) => line.startsWith('RTK'));
    expect(rtk).toMatch(/^RTK\s+1\/2\s+76\.01 ± 0\.00\s+75\.88 ± 0\.00\s+\+2\.75 pp\s+\+2\.88 pp$/);
    const none = lines.find((line) => line.startsWith('Student alone'));
    expect(none).toMatch(/2\/2\s+73\.26 ± 0\.12\s+73\.00 ± 0\.20\s+—\s+—$/);
    const kd = lines.find((line) => line.startsWith('KD'));
    expect(kd).toMatch(/0\/1\s+—\s+—\s+—\s+—$/);
  });

  it('right-aligns the numeric columns so the decimals line up', () => {
    const lines = formatResultsTable(results).split('\n');
    const rtk = lines.find((line) => line.startsWith('RTK')) ?? '';
    const none = lines.find((line) => line.startsWith('Student alone')) ?? '';
    expect(rtk.indexOf('76.01')).toBe(none.indexOf('73.26'));
  });

  it('ends, given the experiment’s measurement, with what each figure means and which images it uses', () => {
    const table = formatResultsTable(results, {
      test: { images: 500, splitImages: 10_000 },
      teacher: { source: 'trained', evaluation: { images: 500, splitImages: 10_000 } },
    });
    const notes = table.slice(table.indexOf('\nWhat the figures mean:'));
    expect(notes.split('\n').map((line) => line.split(':')[0])).toEqual([
      '',
      'What the figures mean',
      '  Teacher test top-1',
      '  Best test top-1',
      '  Last test top-1',
      '  Gain',
    ]);
    expect(notes).toContain('images: 500 of the 10,000 test images');
    expect(formatResultsTable(results)).not.toContain('What the figures mean');
  });

  it('says when there is no teacher', () => {
    expect(formatResultsTable({ ...results, teacher: null }).split('\n')[0]).toBe('Teacher: none');
  });
});

describe('the results CSV of the CLI', () => {
  it('has the teacher, then one row per method in a fixed order, accuracies in percent, empty cells for missing values', () => {
    const csv = formatResultsCsv(results, null);
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = csv.trimEnd().split('\r\n');
    expect(rows).toEqual([
      'experiment_id,method,method_name,network,seeds,finished_runs,total_runs,best_top1_mean,best_top1_std,' +
        'last_top1_mean,last_top1_std,gain_best_points,gain_last_points,parameters,size_bytes,latency_ms',
      'experiment-1,teacher,Teacher,wrn-40-2,,1,1,75.61,0,75,0,,,,,',
      'experiment-1,none,Student alone,wrn-16-2,1 2,2,2,73.26,0.12,73,0.2,,,,,',
      'experiment-1,kd,KD,wrn-16-2,1,0,1,,,,,,,,,',
      'experiment-1,rtk,RTK,wrn-16-2,1 2,1,2,76.01,0,75.88,0,2.75,2.88,,,',
    ]);
  });

  it('gives the catalog sizes of the networks for the dataset, and quotes cells holding commas or quotes', () => {
    const csv = formatResultsCsv(
      {
        ...results,
        teacher: { runId: null, backbone: 'resnet20', bestTop1: null, lastTop1: null },
        studentBackbone: 'resnet8',
        methods: results.methods.slice(0, 1),
      },
      { classCount: 10, imageHeight: 32, imageWidth: 32, channels: 3 },
    );
    // ResNet-20: 272,474 parameters and 1,568 BatchNorm statistics; ResNet-8: 78,042 and 672 (float32 bytes).
    expect(csv.split('\r\n').slice(1, 3)).toEqual([
      'experiment-1,teacher,Teacher,resnet20,,0,1,,,,,,,272474,1096168,',
      'experiment-1,none,Student alone,resnet8,1 2,2,2,73.26,0.12,73,0.2,,,78042,314856,',
    ]);
    const quoted = formatResultsCsv(
      { ...results, teacher: { runId: null, backbone: 'imported ("a", b)', bestTop1: null, lastTop1: null } },
      null,
    );
    expect(quoted.split('\r\n')[1]).toBe('experiment-1,teacher,Teacher,"imported (""a"", b)",,0,1,,,,,,,,,');
  });
});

import { describe, expect, it } from 'vitest';
import type { ExperimentResults } from '../../../../src-shared/contracts/run-types.js';
import { formatResultsCsv, formatResultsTable } from '../../../../src-main/cli/output/results-format.js';

const results: ExperimentResults = {
  experimentId: 'experiment-1',
  classNames: ['cat', 'dog'],
  teacher: { runId: 'teacher-1', backbone: 'wrn-40-2', bestTop1: 0.7561, lastTop1: 0.75 },
  studentBackbone: 'wrn-16-2',
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
    const none = lines.find((line) => line.startsWith('No distillation'));
    expect(none).toMatch(/2\/2\s+73\.26 ± 0\.12\s+73\.00 ± 0\.20\s+—\s+—$/);
    const kd = lines.find((line) => line.startsWith('KD'));
    expect(kd).toMatch(/0\/1\s+—\s+—\s+—\s+—$/);
  });

  it('right-aligns the numeric columns so the decimals line up', () => {
    const lines = formatResultsTable(results).split('\n');
    const rtk = lines.find((line) => line.startsWith('RTK')) ?? '';
    const none = lines.find((line) => line.startsWith('No distillation')) ?? '';
    expect(rtk.indexOf('76.01')).toBe(none.indexOf('73.26'));
  });

  it('says when there is no teacher', () => {
    expect(formatResultsTable({ ...results, teacher: null }).split('\n')[0]).toBe('Teacher: none');
  });
});

describe('the results CSV', () => {
  it('has one header and one row per method, accuracies in percent, empty cells for missing values', () => {
    const csv = formatResultsCsv(results);
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = csv.trimEnd().split('\r\n');
    expect(rows).toHaveLength(4);
    expect(rows[0]).toBe(
      'experiment_id,method,student_backbone,teacher_backbone,teacher_best_top1,seeds,runs_done,' +
        'best_top1_mean,best_top1_std,last_top1_mean,last_top1_std,gain_best,gain_last',
    );
    expect(rows[1]).toBe('experiment-1,none,wrn-16-2,wrn-40-2,75.61,1 2,2,73.26,0.12,73,0.2,,');
    expect(rows[2]).toBe('experiment-1,rtk,wrn-16-2,wrn-40-2,75.61,1 2,1,76.01,0,75.88,0,2.75,2.88');
    expect(rows[3]).toBe('experiment-1,kd,wrn-16-2,wrn-40-2,75.61,1,0,,,,,,');
  });

  it('quotes cells holding commas or quotes', () => {
    const csv = formatResultsCsv({
      ...results,
      teacher: { runId: null, backbone: 'imported model ("a", b)', bestTop1: null, lastTop1: null },
      methods: results.methods.slice(0, 1),
    });
    expect(csv.split('\r\n')[1]).toBe(
      'experiment-1,none,wrn-16-2,"imported model (""a"", b)",,1 2,2,73.26,0.12,73,0.2,,',
    );
  });
});

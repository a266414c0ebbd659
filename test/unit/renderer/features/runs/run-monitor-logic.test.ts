import { describe, expect, it } from 'vitest';
import type { EpochRecord, RunProgress, RunSummary } from '../../../../../src-shared/contracts/run-types.js';
import {
  appendBatchPoint,
  appendEpoch,
  appendLog,
  initialLog,
  mergeLog,
  orderRuns,
  pickDefaultRun,
  upsertRun,
  withEntry,
  withMember,
  withoutEntry,
} from '../../../../../src-renderer/features/runs/run-monitor-logic.js';
import type { LogEntry } from '../../../../../src-renderer/features/runs/run-monitor-logic.js';

function run(id: string, overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    experimentId: 'experiment-1',
    role: 'student',
    method: 'rtk',
    backbone: 'resnet8',
    seed: 1,
    status: 'queued',
    queuePosition: 1,
    teacherRunId: null,
    epochsTotal: 3,
    epochsDone: 0,
    bestTestTop1: null,
    lastTestTop1: null,
    backend: null,
    error: null,
    createdAt: '2026-01-01T00:00:00Z',
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

function record(epoch: number, testTop1 = 0.5): EpochRecord {
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

function progress(
  epoch: number,
  batch: number,
  total: number | null,
  phase: RunProgress['phase'] = 'training',
): RunProgress {
  return {
    runId: 'a',
    phase,
    message: null,
    epoch,
    epochs: 3,
    batch,
    batches: 10,
    loss: total === null ? null : { total, ce: total, kd: 0, feature: 0 },
    imagesPerSecond: null,
    etaSeconds: null,
  };
}

describe('pickDefaultRun', () => {
  it('prefers the running run, then a paused or interrupted one, then the latest started', () => {
    const done = run('done', { status: 'done', startedAt: '2026-01-01T01:00:00Z' });
    const later = run('later', { status: 'failed', startedAt: '2026-01-01T02:00:00Z' });
    const paused = run('paused', { status: 'paused' });
    const running = run('running', { status: 'running' });
    expect(pickDefaultRun([done, paused, running])).toBe('running');
    expect(pickDefaultRun([done, paused])).toBe('paused');
    expect(pickDefaultRun([done, later, run('queued')])).toBe('later');
    expect(pickDefaultRun([run('queued')])).toBe('queued');
    expect(pickDefaultRun([])).toBeNull();
  });
});

describe('run list updates', () => {
  it('orders the teacher first, then by queue position', () => {
    const ordered = orderRuns([
      run('b', { queuePosition: 3 }),
      run('teacher', { role: 'teacher', queuePosition: 9 }),
      run('a', { queuePosition: 2 }),
    ]);
    expect(ordered.map((entry) => entry.id)).toEqual(['teacher', 'a', 'b']);
  });

  it('replaces a known run in place and adds a new one', () => {
    const runs = [run('a', { queuePosition: 1 }), run('b', { queuePosition: 2 })];
    const replaced = upsertRun(runs, run('b', { queuePosition: 2, status: 'running' }));
    expect(replaced.map((entry) => [entry.id, entry.status])).toEqual([
      ['a', 'queued'],
      ['b', 'running'],
    ]);
    expect(upsertRun(runs, run('c', { queuePosition: 0 })).map((entry) => entry.id)).toEqual(['c', 'a', 'b']);
    expect(runs[1]?.status).toBe('queued');
  });
});

describe('appendEpoch', () => {
  it('appends, and replaces epochs a resumed run repeats', () => {
    const records = appendEpoch(appendEpoch([record(1), record(2)], record(3)), record(2, 0.7));
    expect(records.map((entry) => [entry.epoch, entry.testTop1])).toEqual([
      [1, 0.5],
      [2, 0.7],
    ]);
  });
});

describe('appendBatchPoint', () => {
  it('collects the batch losses of the current epoch and restarts with a new epoch', () => {
    let state = appendBatchPoint([], null, progress(1, 1, 2.3));
    state = appendBatchPoint(state.points, state.epoch, progress(1, 5, 2.0));
    expect(state).toEqual({
      points: [
        { x: 1, y: 2.3 },
        { x: 5, y: 2.0 },
      ],
      epoch: 1,
    });
    state = appendBatchPoint(state.points, state.epoch, progress(2, 1, 1.5));
    expect(state).toEqual({ points: [{ x: 1, y: 1.5 }], epoch: 2 });
  });

  it('ignores preparing events and events without a loss', () => {
    const start = { points: [{ x: 1, y: 1 }], epoch: 1 };
    expect(appendBatchPoint(start.points, start.epoch, progress(1, 2, null))).toEqual(start);
    expect(appendBatchPoint(start.points, start.epoch, progress(1, 0, 3, 'preparing'))).toEqual(start);
  });

  it('starts over when the same epoch restarts (a resumed run)', () => {
    const state = appendBatchPoint(
      [
        { x: 1, y: 1 },
        { x: 8, y: 0.9 },
      ],
      1,
      progress(1, 2, 1.1),
    );
    expect(state.points).toEqual([{ x: 2, y: 1.1 }]);
  });
});

describe('log', () => {
  it('starts with when each run started and finished, oldest first', () => {
    const log = initialLog(
      [
        run('b', { status: 'done', startedAt: '2026-01-01T03:00:00Z', finishedAt: '2026-01-01T04:00:00Z' }),
        run('a', { status: 'failed', startedAt: '2026-01-01T01:00:00Z', finishedAt: '2026-01-01T02:00:00Z' }),
        run('c'),
      ],
      (entry, status) => `${entry.id} ${status}`,
    );
    expect(log.map((entry) => entry.text)).toEqual(['a running', 'a failed', 'b running', 'b done']);
    expect(log.map((entry) => entry.id)).toEqual([1, 2, 3, 4]);
  });

  it('keeps only the newest entries', () => {
    let log: LogEntry[] = [];
    for (let id = 1; id <= 5; id += 1) {
      log = appendLog(log, { id, time: '', runId: 'a', kind: 'epoch', text: String(id), status: null }, 3);
    }
    expect(log.map((entry) => entry.id)).toEqual([3, 4, 5]);
  });
});

describe('immutable collection helpers', () => {
  it('return copies and leave the original alone', () => {
    const map = new Map([['a', 1]]);
    expect([...withEntry(map, 'b', 2).entries()]).toEqual([
      ['a', 1],
      ['b', 2],
    ]);
    expect(withoutEntry(map, 'a').size).toBe(0);
    expect(map.size).toBe(1);
    const set = new Set(['x']);
    expect([...withMember(set, 'y', true)]).toEqual(['x', 'y']);
    expect([...withMember(set, 'x', false)]).toEqual([]);
    expect(set.size).toBe(1);
  });
});

describe('mergeLog', () => {
  it('drops status entries an event added that the loaded history already holds, and renumbers', () => {
    const entry = (
      runId: string,
      kind: LogEntry['kind'],
      status: LogEntry['status'],
      id: number,
    ): LogEntry => ({
      id,
      time: '',
      runId,
      kind,
      text: `${runId} ${status ?? kind}`,
      status,
    });
    const merged = mergeLog(
      [entry('a', 'status', 'running', 1), entry('a', 'status', 'done', 2)],
      [entry('a', 'status', 'done', 1), entry('b', 'status', 'running', 2), entry('b', 'epoch', null, 3)],
    );
    expect(merged.map((line) => [line.id, line.text])).toEqual([
      [1, 'a running'],
      [2, 'a done'],
      [3, 'b running'],
      [4, 'b epoch'],
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../../src-shared/contracts/run-types.js';
import { describeUnfinished, trainingExitCode } from '../../../../src-main/cli/commands/train.js';

function run(id: string, status: RunSummary['status'], role: RunSummary['role'] = 'student'): RunSummary {
  return {
    id,
    experimentId: 'experiment-1',
    role,
    method: role === 'teacher' ? 'none' : 'kd',
    backbone: 'resnet8',
    seed: 1,
    status,
    queuePosition: 0,
    teacherRunId: null,
    epochsTotal: 2,
    epochsDone: 1,
    bestTestTop1: null,
    lastTestTop1: null,
    backend: null,
    error: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
  };
}

describe('the end of a training command', () => {
  it('exits 0 when every run is done or cancelled, 1 when one failed, was interrupted, the queue stalled or halted, 130 after Ctrl+C', () => {
    const ending = { interrupted: false, stalled: false, halted: null };
    const done = [run('a', 'done'), run('b', 'done')];
    expect(trainingExitCode({ ...ending, runs: done })).toBe(0);
    expect(trainingExitCode({ ...ending, runs: [...done, run('c', 'cancelled')] })).toBe(0);
    expect(trainingExitCode({ ...ending, runs: [...done, run('c', 'failed')] })).toBe(1);
    expect(trainingExitCode({ ...ending, runs: [...done, run('c', 'interrupted')] })).toBe(1);
    expect(trainingExitCode({ ...ending, runs: [run('c', 'paused')], interrupted: true })).toBe(130);
    expect(trainingExitCode({ ...ending, runs: [run('c', 'queued')], stalled: true })).toBe(1);
    expect(
      trainingExitCode({
        ...ending,
        runs: [run('c', 'running')],
        halted: 'The disk is full: 0.0 MB free on /x.',
      }),
    ).toBe(1);
  });

  it('says how to continue the unfinished runs, by experiment and one by one', () => {
    const lines = describeUnfinished({
      runs: [run('t', 'paused', 'teacher'), run('s', 'paused'), run('d', 'done')],
      interrupted: true,
      stalled: false,
      halted: null,
    });
    expect(lines).toEqual([
      'Paused. Continue later with:',
      '  rtk-workbench resume experiment-1   # every unfinished run of the experiment',
      'or one run at a time:',
      '  rtk-workbench resume t   # teacher resnet8 seed 1, paused',
      '  rtk-workbench resume s   # KD resnet8 seed 1, paused',
    ]);
    expect(
      describeUnfinished({ runs: [run('d', 'done')], interrupted: false, stalled: false, halted: null }),
    ).toEqual([]);
  });
});

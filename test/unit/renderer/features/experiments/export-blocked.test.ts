import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../../../src-shared/contracts/run-types.js';
import { exportBlockedReason } from '../../../../../src-renderer/features/experiments/experiment-page-state.svelte.js';

function run(id: string, changes: Partial<RunSummary>): RunSummary {
  return {
    id,
    experimentId: 'e1',
    role: 'student',
    method: 'rtk',
    backbone: 'resnet8',
    seed: 1,
    status: 'queued',
    queuePosition: 0,
    teacherRunId: null,
    epochsTotal: 2,
    epochsDone: 0,
    bestTestTop1: null,
    lastTestTop1: null,
    backend: null,
    error: null,
    createdAt: '',
    startedAt: null,
    finishedAt: null,
    ...changes,
  };
}

describe('exportBlockedReason', () => {
  it('blocks export while no student has finished, even when the teacher has', () => {
    const runs = [
      run('teacher', { role: 'teacher', status: 'done' }),
      run('rtk', { status: 'running' }),
      run('alone', { method: 'none', status: 'queued' }),
    ];
    expect(exportBlockedReason(runs)).toBe('Export opens when the first student has finished training.');
  });

  it('says there is nothing to export when every student failed or was cancelled', () => {
    expect(exportBlockedReason([run('rtk', { status: 'failed' }), run('kd', { status: 'cancelled' })])).toBe(
      'Nothing to export: no student of this experiment finished training.',
    );
  });

  it('allows export once one student is done', () => {
    expect(
      exportBlockedReason([run('rtk', { status: 'done' }), run('kd', { status: 'running' })]),
    ).toBeNull();
  });
});

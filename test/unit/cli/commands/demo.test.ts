import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../../src-shared/contracts/run-types.js';
import { bestStudent, demoSpec } from '../../../../src-main/cli/commands/demo.js';

function run(overrides: Partial<RunSummary>): RunSummary {
  return {
    id: 'run',
    experimentId: 'experiment',
    role: 'student',
    method: 'none',
    backbone: 'resnet8',
    seed: 1,
    status: 'done',
    queuePosition: 0,
    teacherRunId: null,
    epochsTotal: 2,
    epochsDone: 2,
    bestTestTop1: 0.5,
    lastTestTop1: 0.5,
    backend: 'wasm',
    error: null,
    createdAt: '2026-01-01T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    ...overrides,
  };
}

describe('the demo', () => {
  it('trains a small student with RTK, KD and no distillation from a workbench-trained teacher, one seed', () => {
    const spec = demoSpec('dataset-1');
    expect(spec.datasetId).toBe('dataset-1');
    expect(spec.preset).toBe('quick');
    expect(spec.teacher).toEqual({ source: 'train', backbone: 'resnet14', epochs: 3 });
    expect(spec.student.backbone).toBe('resnet8');
    expect(spec.methods).toEqual(['rtk', 'kd', 'none']);
    expect(spec.seeds).toEqual([1]);
    expect(spec.schedule.epochs).toBeLessThanOrEqual(3);
  });

  it('exports the finished student whose saved weights score best, never the teacher or an unfinished run', () => {
    const runs = [
      run({ id: 'teacher', role: 'teacher', lastTestTop1: 0.9 }),
      run({ id: 'none', method: 'none', lastTestTop1: 0.4 }),
      run({ id: 'kd', method: 'kd', lastTestTop1: 0.55, bestTestTop1: 0.6 }),
      run({ id: 'rtk', method: 'rtk', lastTestTop1: 0.58, bestTestTop1: 0.58 }),
      run({ id: 'paused', method: 'at', status: 'paused', lastTestTop1: 0.7 }),
    ];
    expect(bestStudent(runs)?.id).toBe('rtk');
    expect(bestStudent(runs.filter((candidate) => candidate.role === 'teacher'))).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../../../src-shared/contracts/run-types.js';
import type { Recommendation } from '../../../../../src-shared/domain/recommendation.js';
import {
  initialRunId,
  parityOf,
  parityPassed,
} from '../../../../../src-renderer/features/export/export-state.svelte.js';

function run(id: string, changes: Partial<RunSummary>): RunSummary {
  return {
    id,
    experimentId: 'e1',
    role: 'student',
    method: 'none',
    backbone: 'resnet8',
    seed: 1,
    status: 'done',
    queuePosition: 0,
    teacherRunId: null,
    epochsTotal: 1,
    epochsDone: 1,
    bestTestTop1: 0.5,
    lastTestTop1: 0.5,
    backend: 'wasm',
    error: null,
    createdAt: '',
    startedAt: null,
    finishedAt: null,
    ...changes,
  };
}

describe('the export wizard', () => {
  it('starts from the run the address asks for, else the recommended student, else the first finished one', () => {
    const runs = [run('alone', {}), run('kd', { method: 'kd' }), run('rtk', { method: 'rtk' })];
    const recommendation = { runId: 'alone' } as Recommendation;
    expect(initialRunId(runs, recommendation, null)).toBe('alone');
    expect(initialRunId(runs, recommendation, 'rtk')).toBe('rtk');
    expect(initialRunId(runs, recommendation, 'teacher')).toBe('alone');
    expect(initialRunId(runs, null, null)).toBe('alone');
    expect(initialRunId(runs.slice(1), { runId: 'gone' } as Recommendation, null)).toBe('kd');
    expect(initialRunId([], null, 'rtk')).toBe('');
  });

  it('reads the parity figures of a model card and passes only when every engine agrees on every image', () => {
    const figures = {
      images: 20,
      maxAbsLogitDifference: 2e-7,
      top1Agreement: 1,
      exportedAccuracy: 0.15,
      inAppAccuracy: 0.15,
    };
    const card = { parity: { onnx: figures, tfjs: { ...figures, maxAbsLogitDifference: 0 } } };
    expect(parityOf(card).map(([engine]) => engine)).toEqual(['onnx', 'tfjs']);
    expect(parityPassed(card)).toBe(true);
    expect(parityPassed({ parity: { onnx: { ...figures, top1Agreement: 0.95 } } })).toBe(false);
    expect(parityPassed({ parity: { onnx: { images: 'many' } } })).toBe(false);
    expect(parityPassed({})).toBe(false);
  });
});

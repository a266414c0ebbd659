import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../../../src-shared/contracts/run-types.js';
import type { Recommendation } from '../../../../../src-shared/domain/recommendation.js';
import {
  initialRunId,
  parityPassed,
} from '../../../../../src-renderer/features/export/export-state.svelte.js';
import { currentCard } from '../../../../support/model-card-fixtures.js';

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

  it('passes parity only when every engine of the card agrees on every image', () => {
    const card = currentCard();
    expect(parityPassed(card)).toBe(true);
    const onnx = card.parity.onnx;
    if (onnx === undefined) throw new Error('the fixture card has an ONNX check');
    expect(
      parityPassed({ ...card, parity: { ...card.parity, onnx: { ...onnx, top1Agreement: 0.95 } } }),
    ).toBe(false);
    expect(parityPassed({ ...card, parity: {} })).toBe(false);
  });
});

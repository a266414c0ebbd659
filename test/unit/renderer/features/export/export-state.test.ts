import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../../../src-shared/contracts/run-types.js';
import { bestRun, parityPassed } from '../../../../../src-renderer/features/export/export-state.svelte.js';
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
  it('starts from the most accurate finished distilled student', () => {
    const runs = [
      run('teacher', { role: 'teacher', bestTestTop1: 0.99 }),
      run('alone', { bestTestTop1: 0.9 }),
      run('kd', { method: 'kd', bestTestTop1: 0.6 }),
      run('rtk', { method: 'rtk', bestTestTop1: 0.7 }),
      run('afd', { method: 'afd', bestTestTop1: 0.95, status: 'running' }),
    ];
    expect(bestRun(runs)?.id).toBe('rtk');
    expect(bestRun(runs.slice(0, 2))?.id).toBe('alone');
    expect(bestRun([run('teacher', { role: 'teacher' })])).toBeUndefined();
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

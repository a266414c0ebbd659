import { describe, expect, it } from 'vitest';
import { selectRepresentativeKeys } from '../../../../src-main/engine/distill/rtk-selection.js';
import { Random } from '../../../../src-main/engine/train/random.js';

function randomLogits(rows: number, teachers: number, seed: number): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: rows * teachers }, () => random.nextNormal() * 2);
}

describe('selectRepresentativeKeys', () => {
  it('topk keeps exactly k keys per query, the k largest', () => {
    const teachers = 7;
    const logits = randomLogits(20, teachers, 1);
    for (const k of [1, 3, 7]) {
      const mask = selectRepresentativeKeys(logits, teachers, { rule: 'topk', k });
      for (let row = 0; row < 20; row += 1) {
        const values = Array.from(logits.subarray(row * teachers, (row + 1) * teachers));
        const kept = Array.from(mask.subarray(row * teachers, (row + 1) * teachers));
        expect(kept.reduce((sum, value) => sum + value, 0)).toBe(k);
        const smallestKept = Math.min(...values.filter((_, index) => kept[index] === 1));
        const largestDropped = Math.max(-Infinity, ...values.filter((_, index) => kept[index] === 0));
        expect(smallestKept).toBeGreaterThan(largestDropped);
      }
    }
  });

  it('threshold keeps keys whose softmax weight reaches tau, and at least the best one', () => {
    const logits = Float32Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)]);
    expect(Array.from(selectRepresentativeKeys(logits, 4, { rule: 'threshold', tau: 0.25 }))).toEqual([
      1, 1, 0, 0,
    ]);
    expect(Array.from(selectRepresentativeKeys(logits, 4, { rule: 'threshold', tau: 0.14 }))).toEqual([
      1, 1, 1, 0,
    ]);
    expect(Array.from(selectRepresentativeKeys(logits, 4, { rule: 'threshold', tau: 0.9 }))).toEqual([
      1, 0, 0, 0,
    ]);
  });

  it('perStage keeps the single best key inside each teacher stage', () => {
    const logits = Float32Array.from([0.1, 0.9, 0.3, 5, 4, -1, -2, 2, 0, 0, 0, 1]);
    const stages = [0, 0, 0, 1, 1, 2];
    const mask = selectRepresentativeKeys(logits, 6, { rule: 'perStage', teacherStages: stages });
    expect(Array.from(mask)).toEqual([0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1]);
  });
});

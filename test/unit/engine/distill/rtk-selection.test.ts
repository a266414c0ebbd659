import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectRepresentativeKeys } from '../../../../src-main/engine/distill/rtk-selection.js';
import type { SelectionRule } from '../../../../src-main/engine/distill/rtk-selection.js';
import { Random } from '../../../../src-main/engine/train/random.js';

function randomLogits(rows: number, teachers: number, seed: number): Float32Array {
  const random = new Random(seed);
  return Float32Array.from({ length: rows * teachers }, () => random.nextNormal() * 2);
}

/** The 0/1 mask of logits laid out (rows, teachers), computed as one batch of `rows` queries. */
function maskOf(logits: Float32Array, teachers: number, rule: SelectionRule): number[] {
  return tf.tidy(() => {
    const mask = selectRepresentativeKeys(tf.tensor3d(logits, [1, logits.length / teachers, teachers]), rule);
    return Array.from(tf.cast(mask, 'int32').dataSync());
  });
}

describe('selectRepresentativeKeys', () => {
  it('topk keeps exactly k keys per query, the k largest', () => {
    const teachers = 7;
    const logits = randomLogits(20, teachers, 1);
    for (const k of [1, 3, 7]) {
      const mask = maskOf(logits, teachers, { rule: 'topk', k });
      for (let row = 0; row < 20; row += 1) {
        const values = Array.from(logits.subarray(row * teachers, (row + 1) * teachers));
        const kept = mask.slice(row * teachers, (row + 1) * teachers);
        expect(kept.reduce((sum, value) => sum + value, 0)).toBe(k);
        const smallestKept = Math.min(...values.filter((_, index) => kept[index] === 1));
        const largestDropped = Math.max(-Infinity, ...values.filter((_, index) => kept[index] === 0));
        expect(smallestKept).toBeGreaterThan(largestDropped);
      }
    }
  });

  it('threshold keeps keys whose softmax weight reaches tau, and at least the best one', () => {
    const logits = Float32Array.from([Math.log(0.5), Math.log(0.3), Math.log(0.15), Math.log(0.05)]);
    expect(maskOf(logits, 4, { rule: 'threshold', tau: 0.25 })).toEqual([1, 1, 0, 0]);
    expect(maskOf(logits, 4, { rule: 'threshold', tau: 0.14 })).toEqual([1, 1, 1, 0]);
    expect(maskOf(logits, 4, { rule: 'threshold', tau: 0.9 })).toEqual([1, 0, 0, 0]);
  });

  it('perStage keeps the single best key inside each teacher stage', () => {
    const logits = Float32Array.from([0.1, 0.9, 0.3, 5, 4, -1, -2, 2, 0, 0.5, 0, 1]);
    const stages = [0, 0, 0, 1, 1, 2];
    expect(maskOf(logits, 6, { rule: 'perStage', teacherStages: stages })).toEqual([
      0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1,
    ]);
  });

  it('gives the same masks on the wasm backend as on cpu', async () => {
    const logits = randomLogits(12, 6, 3);
    const rules: SelectionRule[] = [
      { rule: 'topk', k: 2 },
      { rule: 'threshold', tau: 1 / 6 },
      { rule: 'perStage', teacherStages: [0, 0, 1, 1, 2, 2] },
    ];
    await tf.setBackend('cpu');
    const onCpu = rules.map((rule) => maskOf(logits, 6, rule));
    await import('@tensorflow/tfjs-backend-wasm');
    const { initializeBackend } = await import('../../../../src-main/engine/backends/backend-ladder.js');
    await initializeBackend({ forced: 'wasm' });
    expect(rules.map((rule) => maskOf(logits, 6, rule))).toEqual(onCpu);
  });
});

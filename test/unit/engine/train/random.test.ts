import { describe, expect, it } from 'vitest';
import { Random } from '../../../../src-main/engine/train/random.js';

describe('Random', () => {
  it('repeats its sequence for a seed and differs between seeds', () => {
    const draw = (seed: number): number[] => {
      const random = new Random(seed);
      return Array.from({ length: 8 }, () => random.nextUint32());
    };
    expect(draw(1)).toEqual(draw(1));
    expect(draw(1)).not.toEqual(draw(2));
  });

  it('continues exactly from a saved state', () => {
    const random = new Random(5);
    for (let index = 0; index < 100; index += 1) random.nextUint32();
    const saved = random.state;
    const expected = Array.from({ length: 10 }, () => random.nextFloat());
    const restored = Random.fromState(saved);
    expect(Array.from({ length: 10 }, () => restored.nextFloat())).toEqual(expected);
  });

  it('draws uniform floats in [0, 1) and integers below the bound', () => {
    const random = new Random(9);
    const buckets = new Array<number>(10).fill(0);
    for (let index = 0; index < 20_000; index += 1) {
      const value = random.nextFloat();
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
      const bucket = random.nextInt(10);
      buckets[bucket] = (buckets[bucket] ?? 0) + 1;
    }
    for (const count of buckets) expect(Math.abs(count - 2000)).toBeLessThan(200);
  });

  it('draws normal samples with mean 0 and deviation 1', () => {
    const random = new Random(11);
    const samples = Array.from({ length: 20_000 }, () => random.nextNormal());
    const mean = samples.reduce((sum, value) => sum + value, 0) / samples.length;
    const variance = samples.reduce((sum, value) => sum + (value - mean) ** 2, 0) / samples.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it('shuffles into a permutation', () => {
    const values = Uint32Array.from({ length: 50 }, (_, index) => index);
    new Random(3).shuffle(values);
    expect(Array.from(values)).not.toEqual(Array.from({ length: 50 }, (_, index) => index));
    expect(Array.from(values).sort((left, right) => left - right)).toEqual(
      Array.from({ length: 50 }, (_, index) => index),
    );
  });
});

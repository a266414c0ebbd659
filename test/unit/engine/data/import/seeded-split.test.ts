import { describe, expect, it } from 'vitest';
import {
  atLeastOneEachSide,
  carveSplit,
  roundedShare,
  seededRandom,
} from '../../../../../src-main/engine/data/import/seeded-split.js';

function split(labels: number[]): { name: 'train'; images: Uint8Array; labels: Uint16Array; count: number } {
  return {
    name: 'train',
    images: Uint8Array.from(labels.map((_, index) => index)),
    labels: Uint16Array.from(labels),
    count: labels.length,
  };
}

describe('seeded splits', () => {
  it('gives the same sequence for the same seed and another for another seed', () => {
    const first = Array.from({ length: 5 }, seededRandom(42));
    expect(Array.from({ length: 5 }, seededRandom(42))).toEqual(first);
    expect(Array.from({ length: 5 }, seededRandom(43))).not.toEqual(first);
    expect(first.every((value) => value >= 0 && value < 1)).toBe(true);
  });

  it('carves each class by its share, keeps the order and loses no image', () => {
    const labels = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 2, 2, 2, 2, 2];
    const { kept, carved } = carveSplit(split(labels), 3, roundedShare(0.4), 9, 'validation');
    expect(carved.name).toBe('validation');
    expect([...carved.labels].sort()).toEqual([0, 0, 1, 1, 2, 2]);
    expect(kept.count + carved.count).toBe(15);
    const all = [...kept.images, ...carved.images].sort((left, right) => left - right);
    expect(all).toEqual(labels.map((_, index) => index));
    expect([...kept.images]).toEqual([...kept.images].sort((left, right) => left - right));
    const again = carveSplit(split(labels), 3, roundedShare(0.4), 9, 'validation');
    expect([...again.carved.images]).toEqual([...carved.images]);
  });

  it('leaves at least one image on each side of a test carve', () => {
    const share = atLeastOneEachSide(0.01);
    expect([share(1), share(2), share(10), share(1000)]).toEqual([0, 1, 1, 10]);
    expect(atLeastOneEachSide(0.99)(3)).toBe(2);
  });
});

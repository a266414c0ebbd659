import type { DecodedSplit, SplitName } from '../formats/types.js';

/** A small, fast, seeded generator (mulberry32); the same seed always gives the same sequence. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = state;
    value = Math.imul(value ^ (value >>> 15), value | 1);
    value ^= value + Math.imul(value ^ (value >>> 7), value | 61);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

/** How many images of a class of `count` go to the carved split. */
export type CarveCount = (count: number) => number;

/** Rounds the fraction; used for validation, where a small class may give none. */
export function roundedShare(fraction: number): CarveCount {
  return (count) => Math.round(fraction * count);
}

/** Rounds the fraction but leaves at least one image on each side; used for test splits. */
export function atLeastOneEachSide(fraction: number): CarveCount {
  return (count) => (count < 2 ? 0 : Math.min(count - 1, Math.max(1, Math.round(fraction * count))));
}

function pick(split: DecodedSplit, indices: readonly number[], name: SplitName): DecodedSplit {
  const imageBytes = split.count === 0 ? 0 : split.images.length / split.count;
  const images = new Uint8Array(indices.length * imageBytes);
  const labels = new Uint16Array(indices.length);
  indices.forEach((source, target) => {
    images.set(split.images.subarray(source * imageBytes, (source + 1) * imageBytes), target * imageBytes);
    labels[target] = split.labels[source] ?? 0;
  });
  return { name, images, labels, count: indices.length };
}

/**
 * Carves a split out of another, class by class (stratified), with a seeded shuffle. Both parts keep
 * the original order of their images, so the result depends only on the content, the seed and the share.
 */
export function carveSplit(
  split: DecodedSplit,
  classCount: number,
  share: CarveCount,
  seed: number,
  carvedName: SplitName,
): { kept: DecodedSplit; carved: DecodedSplit } {
  const random = seededRandom(seed);
  const byClass: number[][] = Array.from({ length: classCount }, () => []);
  for (let index = 0; index < split.count; index += 1) byClass[split.labels[index] ?? 0]?.push(index);
  const carvedFlags = new Uint8Array(split.count);
  for (const members of byClass) {
    for (let index = members.length - 1; index > 0; index -= 1) {
      const other = Math.floor(random() * (index + 1));
      const held = members[index] ?? 0;
      members[index] = members[other] ?? 0;
      members[other] = held;
    }
    for (const member of members.slice(0, share(members.length))) carvedFlags[member] = 1;
  }
  const kept: number[] = [];
  const carved: number[] = [];
  for (let index = 0; index < split.count; index += 1) (carvedFlags[index] === 1 ? carved : kept).push(index);
  return { kept: pick(split, kept, split.name), carved: pick(split, carved, carvedName) };
}

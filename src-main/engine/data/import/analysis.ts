import * as path from 'node:path';
import type { ChannelStatistics } from '../types.js';
import type { DecodedSplit, SplitName, UnreadableFile } from '../formats/types.js';
import type { CrossSplitDuplicates, DuplicateExample, SplitDuplicates } from '../cache.js';

const maximumExamples = 20;

/** Number of images of each class in a split. */
export function countPerClass(split: DecodedSplit, classCount: number): number[] {
  const counts = new Array<number>(classCount).fill(0);
  for (const label of split.labels) counts[label] = (counts[label] ?? 0) + 1;
  return counts;
}

/** Largest over smallest class count; null when some class is empty. */
export function imbalanceRatio(counts: readonly number[]): number | null {
  const smallest = Math.min(...counts);
  return smallest === 0 ? null : Math.max(...counts) / smallest;
}

/** Per-channel mean and (population) standard deviation of a split's pixels, exact, via histograms. */
export function channelStatistics(split: DecodedSplit, channels: number): ChannelStatistics {
  const histogram = new Float64Array(channels * 256);
  const images = split.images;
  for (let offset = 0; offset < images.length; offset += channels) {
    for (let channel = 0; channel < channels; channel += 1) {
      const index = channel * 256 + (images[offset + channel] ?? 0);
      histogram[index] = (histogram[index] ?? 0) + 1;
    }
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (let channel = 0; channel < channels; channel += 1) {
    let count = 0;
    let sum = 0;
    for (let value = 0; value < 256; value += 1) {
      const frequency = histogram[channel * 256 + value] ?? 0;
      count += frequency;
      sum += frequency * value;
    }
    const average = count === 0 ? 0 : sum / count;
    let squares = 0;
    for (let value = 0; value < 256; value += 1) {
      squares += (histogram[channel * 256 + value] ?? 0) * (value - average) ** 2;
    }
    mean.push(average);
    std.push(count === 0 ? 0 : Math.sqrt(squares / count));
  }
  return { mean, std };
}

/** What the duplicate search found. */
export interface DuplicateFindings {
  readonly withinSplits: SplitDuplicates[];
  readonly acrossSplits: CrossSplitDuplicates[];
  readonly conflictingLabels: number;
  readonly examples: DuplicateExample[];
}

/** A 53-bit content hash of one image: two 32-bit multiplicative lanes, cheap enough for every image. */
function imageHash(images: Uint8Array, start: number, end: number): number {
  let first = 0x811c9dc5;
  let second = 0x9747b28c;
  for (let offset = start; offset < end; offset += 1) {
    const value = images[offset] ?? 0;
    first = Math.imul(first ^ value, 0x01000193);
    second = Math.imul(second ^ value, 0x5bd1e995);
    second ^= second >>> 15;
  }
  return (first >>> 0) * 0x200000 + ((second >>> 0) & 0x1fffff);
}

interface Member {
  readonly split: SplitName;
  readonly index: number;
  readonly label: number;
}

/** Splits a set of images with equal hashes into sets of byte-identical images (hash collisions apart). */
function exactGroups(members: readonly Member[], images: ReadonlyMap<SplitName, DecodedSplit>): Member[][] {
  const pixelsOf = (member: Member): Uint8Array => {
    const split = images.get(member.split);
    if (split === undefined) return new Uint8Array(0);
    const imageBytes = split.images.length / split.count;
    return split.images.subarray(member.index * imageBytes, (member.index + 1) * imageBytes);
  };
  const groups: { pixels: Uint8Array; members: Member[] }[] = [];
  for (const member of members) {
    const pixels = pixelsOf(member);
    const group = groups.find((candidate) => Buffer.compare(candidate.pixels, pixels) === 0);
    if (group === undefined) groups.push({ pixels, members: [member] });
    else group.members.push(member);
  }
  return groups.map((group) => group.members);
}

/**
 * Finds exact-duplicate images: a content hash groups candidates, a byte comparison confirms them.
 * `onProgress` is called with the number of images hashed so far.
 */
export function findDuplicates(
  splits: readonly DecodedSplit[],
  onProgress: (done: number, total: number) => void,
): DuplicateFindings {
  const total = splits.reduce((sum, split) => sum + split.count, 0);
  const byHash = new Map<number, Member[]>();
  let done = 0;
  for (const split of splits) {
    const imageBytes = split.count === 0 ? 0 : split.images.length / split.count;
    for (let index = 0; index < split.count; index += 1) {
      const key = imageHash(split.images, index * imageBytes, (index + 1) * imageBytes);
      const member = { split: split.name, index, label: split.labels[index] ?? 0 };
      const group = byHash.get(key);
      if (group === undefined) byHash.set(key, [member]);
      else group.push(member);
      done += 1;
      if (done % 8192 === 0) onProgress(done, total);
    }
  }
  onProgress(total, total);
  const splitsByName = new Map(splits.map((split) => [split.name, split]));
  const groups = [...byHash.values()]
    .filter((members) => members.length > 1)
    .flatMap((members) => exactGroups(members, splitsByName));
  const within = new Map<SplitName, { groups: number; extraCopies: number }>();
  const across = new Map<string, CrossSplitDuplicates>();
  const order = splits.map((split) => split.name);
  const examples: DuplicateExample[] = [];
  let conflictingLabels = 0;
  for (const members of groups) {
    if (members.length < 2) continue;
    if (examples.length < maximumExamples) examples.push({ members });
    if (members.some((member) => member.label !== members[0]?.label)) conflictingLabels += 1;
    const perSplit = new Map<SplitName, number>();
    for (const member of members) perSplit.set(member.split, (perSplit.get(member.split) ?? 0) + 1);
    for (const [split, count] of perSplit) {
      if (count > 1) {
        const entry = within.get(split) ?? { groups: 0, extraCopies: 0 };
        entry.groups += 1;
        entry.extraCopies += count - 1;
        within.set(split, entry);
      }
    }
    const present = order.filter((name) => perSplit.has(name));
    for (const [position, split] of present.entries()) {
      for (const otherSplit of present.slice(0, position)) {
        const key = `${split}/${otherSplit}`;
        const previous = across.get(key);
        across.set(key, { split, otherSplit, images: (previous?.images ?? 0) + (perSplit.get(split) ?? 0) });
      }
    }
  }
  return {
    withinSplits: order.map((split) => ({
      split,
      groups: within.get(split)?.groups ?? 0,
      extraCopies: within.get(split)?.extraCopies ?? 0,
    })),
    acrossSplits: [...across.values()],
    conflictingLabels,
    examples,
  };
}

const kindsByExtension: Readonly<Record<string, string>> = {
  '.png': 'PNG',
  '.jpg': 'JPEG',
  '.jpeg': 'JPEG',
  '.webp': 'WebP',
  '.bmp': 'BMP',
};

/** Decoder messages and what they mean, most specific first; `kind` is the image format the file claims. */
const plainReasons: readonly { readonly pattern: RegExp; readonly reason: (kind: string) => string }[] = [
  { pattern: /is empty/i, reason: () => 'this file is empty' },
  {
    pattern: /permission denied/i,
    reason: () => 'this file cannot be opened: permission denied',
  },
  {
    pattern: /decompresses to more than/i,
    reason: (kind) =>
      `this file is not a valid ${kind}: its pixel data decompresses to far more than its size allows (a damaged file or a decompression bomb)`,
  },
  {
    pattern: /more than the [\d,]+ an image may have|pixel limit/i,
    reason: () => 'this image is too large: it declares more pixels than an image may have',
  },
  {
    pattern: /premature end|truncated|read error|end of (file|data|stream)/i,
    reason: (kind) => `this file is not a valid ${kind}: it ends too early (it is truncated)`,
  },
  {
    pattern: /corrupt header|bad (header|signature)|no "BM" signature|invalid size/i,
    reason: (kind) => `this file is not a valid ${kind}: its header is damaged`,
  },
  {
    pattern: /unsupported image format/i,
    reason: (kind) =>
      `this file is not a valid ${kind}: its content is in no image format the workbench reads`,
  },
  {
    pattern: /not supported/i,
    reason: (kind) => `this ${kind} is of a variant the workbench cannot read`,
  },
];

/**
 * Puts a decoder's message about an unreadable file into plain words for the health report, keeping the
 * decoder's own text as the detail (repeated lines removed).
 */
export function explainUnreadable(unreadable: UnreadableFile): UnreadableFile {
  const raw = unreadable.detail ?? unreadable.reason;
  const detail = [
    ...new Set(
      raw
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.length > 0),
    ),
  ].join('; ');
  const kind = kindsByExtension[path.extname(unreadable.file).toLowerCase()] ?? 'image';
  const known = plainReasons.find((candidate) => candidate.pattern.test(detail));
  const reason = known?.reason(kind) ?? `this file could not be decoded as a ${kind}`;
  return { file: unreadable.file, reason, detail };
}

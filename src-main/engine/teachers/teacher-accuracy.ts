import { BatchAssembler } from '../data/augment.js';
import type { ChannelStatistics, ImageSplit } from '../data/types.js';

/** A teacher's accuracy on a split, as fractions. */
export interface TeacherAccuracy {
  readonly top1: number;
  /** Top-5 (top-k with k = classes when there are fewer than 5). */
  readonly top5: number;
  /** Top-1 of each class; 0 for a class the split does not contain. */
  readonly perClass: readonly number[];
  readonly images: number;
  readonly seconds: number;
}

/** Images per forward pass of the measurement. */
export const accuracyBatchSize = 250;

/**
 * Runs every image of `split` (normalised as the student sees them) through `logitsOf` and scores the
 * logits (dataset class order) against the labels.
 */
export async function measureTeacherAccuracy(
  logitsOf: (images: Float32Array, batch: number) => Promise<Float32Array>,
  split: ImageSplit,
  statistics: ChannelStatistics,
  classes: number,
  hooks: { onProgress?: (done: number, total: number) => void; signal?: AbortSignal } = {},
): Promise<TeacherAccuracy> {
  const started = performance.now();
  const assembler = new BatchAssembler(split, statistics);
  const k = Math.min(5, classes);
  const images = new Float32Array(accuracyBatchSize * assembler.imageSize);
  const labels = new Int32Array(accuracyBatchSize);
  const indices = Uint32Array.from({ length: split.count }, (_, index) => index);
  const correct = new Float64Array(classes);
  const counts = new Float64Array(classes);
  let top1 = 0;
  let top5 = 0;
  for (let start = 0; start < split.count; start += accuracyBatchSize) {
    if (hooks.signal?.aborted === true) throw new Error('The teacher import was stopped.');
    const size = Math.min(accuracyBatchSize, split.count - start);
    assembler.assemble(indices.subarray(start, start + size), images, labels);
    const logits = await logitsOf(images.subarray(0, size * assembler.imageSize), size);
    for (let slot = 0; slot < size; slot += 1) {
      const label = labels[slot] ?? 0;
      const row = logits.subarray(slot * classes, (slot + 1) * classes);
      const score = row[label] ?? -Infinity;
      // Rank of the true class: how many classes score higher (ties counted against it only when earlier).
      let above = 0;
      for (let other = 0; other < classes; other += 1) {
        const value = row[other] ?? -Infinity;
        if (value > score || (value === score && other < label)) above += 1;
      }
      counts[label] = (counts[label] ?? 0) + 1;
      if (above === 0) {
        top1 += 1;
        correct[label] = (correct[label] ?? 0) + 1;
      }
      if (above < k) top5 += 1;
    }
    hooks.onProgress?.(start + size, split.count);
  }
  const total = Math.max(split.count, 1);
  return {
    top1: top1 / total,
    top5: top5 / total,
    perClass: Array.from(counts, (count, label) => (count > 0 ? (correct[label] ?? 0) / count : 0)),
    images: split.count,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Below this top-1 (fraction) a teacher is weaker than a small student trained alone usually gets. */
export const weakTeacherTop1 = 0.5;

/** Plain-words warnings about a teacher's measured accuracy. */
export function accuracyWarnings(top1: number, classes: number): string[] {
  const chance = 1 / classes;
  const percent = (value: number): string => `${(value * 100).toFixed(1)} %`;
  if (top1 < 1.5 * chance) {
    return [
      `The teacher gets ${percent(top1)} of the test images right, close to chance (${percent(chance)} for ` +
        `${classes} classes): check the normalisation or the class order before distilling from it.`,
    ];
  }
  if (top1 < weakTeacherTop1) {
    return [
      `The teacher gets only ${percent(top1)} of the test images right, below what a small student trained ` +
        'alone usually reaches: check the normalisation or the class order, or use a stronger teacher.',
    ];
  }
  return [];
}

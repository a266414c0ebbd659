import type { Random } from '../train/random.js';
import type { ChannelStatistics, ImageSplit } from './types.js';

/** Training-time augmentation of the reference recipe (method.md §3). */
export interface AugmentationOptions {
  /** Random crop back to the original size after zero padding by `padding` pixels on every side. */
  readonly randomCrop: boolean;
  readonly padding: number;
  /** Random horizontal flip with probability 1/2 (off for digit datasets). */
  readonly horizontalFlip: boolean;
}

/** Reference augmentation: 4-pixel zero padding with random crop, and horizontal flip. */
export const referenceAugmentation: AugmentationOptions = {
  randomCrop: true,
  padding: 4,
  horizontalFlip: true,
};

/**
 * Turns uint8 images of one split into normalised float batches, augmenting on the fly. Works on typed
 * arrays only: a tensor is made once per batch from the filled Float32Array.
 */
export class BatchAssembler {
  readonly split: ImageSplit;
  /** (value − mean_c)/std_c for every channel c and byte value, laid out [c·256 + value]. */
  private readonly lookup: Float32Array;
  /** One output row of zero padding, normalised. */
  private readonly paddingRow: Float32Array;

  constructor(split: ImageSplit, statistics: ChannelStatistics) {
    const channels = split.shape[2];
    if (statistics.mean.length !== channels || statistics.std.length !== channels) {
      throw new Error(
        `Channel statistics have ${statistics.mean.length} means and ${statistics.std.length} deviations; ` +
          `the images have ${channels} channels.`,
      );
    }
    const pixels = split.shape[0] * split.shape[1] * channels;
    if (split.images.length !== split.count * pixels || split.labels.length !== split.count) {
      throw new Error(
        `The split holds ${split.images.length} bytes and ${split.labels.length} labels; ${split.count} images ` +
          `of ${split.shape.join('x')} need ${split.count * pixels} bytes and ${split.count} labels.`,
      );
    }
    this.split = split;
    this.lookup = new Float32Array(channels * 256);
    for (let channel = 0; channel < channels; channel += 1) {
      const mean = statistics.mean[channel] ?? 0;
      const std = statistics.std[channel] ?? 1;
      if (!(std > 0))
        throw new Error(`Channel ${channel} has standard deviation ${std}; it must be positive.`);
      for (let value = 0; value < 256; value += 1) this.lookup[channel * 256 + value] = (value - mean) / std;
    }
    this.paddingRow = Float32Array.from({ length: split.shape[1] * channels }, (_, index) => {
      return this.lookup[(index % channels) * 256] ?? 0;
    });
  }

  /** Floats in one image. */
  get imageSize(): number {
    return this.split.shape[0] * this.split.shape[1] * this.split.shape[2];
  }

  /**
   * Writes the images `indices` into `images` (NHWC, normalised) and their labels into `labels`; with
   * `augmentation` and `random`, each image gets its own random crop offset and flip.
   */
  assemble(
    indices: Uint32Array,
    images: Float32Array,
    labels: Int32Array,
    augmentation: AugmentationOptions | null = null,
    random: Random | null = null,
  ): void {
    const [height, width, channels] = this.split.shape;
    const imageSize = this.imageSize;
    const source = this.split.images;
    const lookup = this.lookup;
    if (images.length < indices.length * imageSize || labels.length < indices.length) {
      throw new Error(`Batch buffers hold fewer than ${indices.length} images.`);
    }
    const crop = augmentation !== null && random !== null && augmentation.randomCrop;
    const flip = augmentation !== null && random !== null && augmentation.horizontalFlip;
    const padding = augmentation?.padding ?? 0;
    const rowSize = width * channels;
    const paddingRow = this.paddingRow;
    for (let slot = 0; slot < indices.length; slot += 1) {
      const image = indices[slot] ?? 0;
      labels[slot] = this.split.labels[image] ?? 0;
      const offsetY = crop && random !== null ? random.nextInt(2 * padding + 1) - padding : 0;
      const offsetX = crop && random !== null ? random.nextInt(2 * padding + 1) - padding : 0;
      const mirrored = flip && random !== null && random.nextFloat() < 0.5;
      const sourceBase = image * imageSize;
      let target = slot * imageSize;
      for (let y = 0; y < height; y += 1) {
        const sourceY = y + offsetY;
        if (sourceY < 0 || sourceY >= height) {
          images.set(paddingRow, target);
          target += rowSize;
          continue;
        }
        const rowBase = sourceBase + sourceY * rowSize;
        for (let x = 0; x < width; x += 1) {
          const sourceX = (mirrored ? width - 1 - x : x) + offsetX;
          if (sourceX < 0 || sourceX >= width) {
            for (let channel = 0; channel < channels; channel += 1)
              images[target++] = lookup[channel << 8] ?? 0;
            continue;
          }
          let from = rowBase + sourceX * channels;
          for (let channel = 0; channel < channels; channel += 1) {
            images[target++] = lookup[(channel << 8) | (source[from++] ?? 0)] ?? 0;
          }
        }
      }
    }
  }
}

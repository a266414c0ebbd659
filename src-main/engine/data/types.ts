/** Height, width, channels of one image (TFJS is channels-last). */
export type ImageShape = readonly [height: number, width: number, channels: number];

/**
 * One split of a dataset held in memory as the trainer reads it: uint8 pixels in NHWC order and one
 * label per image. Normalisation statistics are per channel, on the 0..255 scale.
 */
export interface ImageSplit {
  readonly images: Uint8Array;
  readonly labels: Uint16Array;
  readonly count: number;
  readonly shape: ImageShape;
  readonly classNames: readonly string[];
}

/** Per-channel mean and standard deviation of the training pixels, on the 0..255 scale. */
export interface ChannelStatistics {
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

import { CostWalker } from './cost-walker.js';
import type { BackboneFigures, BackboneSizeOptions, VggArchitecture } from './types.js';

/** Convolution widths per block of the reference's configurations S (vgg8), A (vgg11) and B (vgg13). */
const configurations: Readonly<Record<number, readonly (readonly number[])[]>> = {
  8: [[64], [128], [256], [512], [512]],
  11: [[64], [128], [256, 256], [512, 512], [512, 512]],
  13: [
    [64, 64],
    [128, 128],
    [256, 256],
    [512, 512],
    [512, 512],
  ],
};

const pattern = /^vgg(\d+)$/;

/** The VGG (with BatchNorm) of a canonical name `vgg8`, `vgg11` or `vgg13`; null for another family. */
export function parseVggName(canonical: string, name: string): VggArchitecture | null {
  const match = pattern.exec(canonical);
  if (match === null) return null;
  const depth = Number(match[1]);
  const blockWidths = configurations[depth];
  if (blockWidths === undefined) {
    throw new Error(`Backbone "${name}": the VGGs are vgg8, vgg11 and vgg13, found vgg${depth}.`);
  }
  return { name: `vgg${depth}`, label: `VGG-${depth}`, family: 'vgg', depth, blockWidths };
}

/**
 * Whether a 2x2 max pool follows block `block` (0-based): after the first three always, after the fourth
 * only for 64-pixel inputs, as the reference does; the last block is followed by global average pooling.
 */
export function vggPoolsAfterBlock(block: number, inputSize: number): boolean {
  return block < 3 || (block === 3 && inputSize === 64);
}

/** The figures of a VGG: 3x3 conv (with bias) → BN → ReLU throughout; a tap is every such output. */
export function describeVgg(architecture: VggArchitecture, options: BackboneSizeOptions): BackboneFigures {
  const walker = new CostWalker(options);
  const [inputSize, , inputChannels] = options.inputShape;
  let size = inputSize;
  let channels = inputChannels;
  architecture.blockWidths.forEach((widths, block) => {
    for (const width of widths) {
      walker.convolution({ kernel: 3, inChannels: channels, outChannels: width, outSize: size, bias: true });
      walker.batchNorm(width, size);
      walker.map(width, size);
      walker.tap([size, size, width], 'conv');
      channels = width;
    }
    if (vggPoolsAfterBlock(block, inputSize)) {
      size = Math.floor(size / 2);
      walker.map(channels, size);
    }
  });
  walker.head(channels);
  return walker.figures();
}

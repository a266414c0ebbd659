import { CostWalker } from './cost-walker.js';
import {
  stridedSize,
  type BackboneFigures,
  type BackboneSizeOptions,
  type InvertedResidualPlan,
  type MobileNetV2Architecture,
} from './types.js';

const pattern = /^mobilenetv2-(\d+(?:\.\d+)?)$/;
const minimumWidth = 0.25;
const maximumWidth = 2;
const expansion = 6;

/**
 * The CIFAR variant's block groups [ref]: expansion (the first group expands by 1), base output channels,
 * blocks, stride of the group's first block.
 */
const blockGroups: readonly (readonly [expand: boolean, channels: number, blocks: number, stride: 1 | 2])[] =
  [
    [false, 16, 1, 1],
    [true, 24, 2, 1],
    [true, 32, 3, 2],
    [true, 64, 4, 2],
    [true, 96, 3, 1],
    [true, 160, 3, 2],
    [true, 320, 1, 1],
  ];

/**
 * The MobileNetV2 of a canonical name `mobilenetv2-W` (W the width multiplier, 0.25 to 2, at most two
 * decimals); null for another family. Channels are ⌊c·W⌋ as in the reference, the head 1280 channels
 * unless W > 1.
 */
export function parseMobileNetV2Name(canonical: string, name: string): MobileNetV2Architecture | null {
  const match = pattern.exec(canonical);
  if (match === null) return null;
  const text = match[1] ?? '';
  const width = Number(text);
  const decimals = text.split('.')[1]?.length ?? 0;
  if (width < minimumWidth || width > maximumWidth || decimals > 2) {
    throw new Error(
      `Backbone "${name}": a MobileNetV2 width multiplier must be between ${minimumWidth} and ` +
        `${maximumWidth} with at most two decimals (0.5, 0.75, 1, 1.4, ...), found ${text}.`,
    );
  }
  const stemWidth = Math.trunc(32 * width);
  const blocks: InvertedResidualPlan[] = [];
  let inChannels = stemWidth;
  for (const [expand, channels, count, firstStride] of blockGroups) {
    const outChannels = Math.trunc(channels * width);
    for (let index = 0; index < count; index += 1) {
      const stride = index === 0 ? firstStride : 1;
      blocks.push({
        inChannels,
        hiddenChannels: inChannels * (expand ? expansion : 1),
        outChannels,
        stride,
        residual: stride === 1 && inChannels === outChannels,
      });
      inChannels = outChannels;
    }
  }
  const label = String(width);
  return {
    name: `mobilenetv2-${label}`,
    label: `MobileNetV2-${label}`,
    family: 'mobilenetv2',
    widthMultiplier: width,
    expansion,
    stemWidth,
    blocks,
    headWidth: width > 1 ? Math.trunc(1280 * width) : 1280,
  };
}

/**
 * The figures of a MobileNetV2: stride-2 3x3 stem, inverted residuals (1x1 expansion, depthwise 3x3,
 * linear 1x1), 1x1 head convolution; a tap is every block's output.
 */
export function describeMobileNetV2(
  architecture: MobileNetV2Architecture,
  options: BackboneSizeOptions,
): BackboneFigures {
  const walker = new CostWalker(options);
  const [inputSize, , inputChannels] = options.inputShape;
  let size = stridedSize(inputSize, 2);
  walker.convolution({
    kernel: 3,
    inChannels: inputChannels,
    outChannels: architecture.stemWidth,
    outSize: size,
  });
  walker.batchNorm(architecture.stemWidth, size);
  walker.map(architecture.stemWidth, size);
  for (const block of architecture.blocks) {
    const hidden = block.hiddenChannels;
    walker.convolution({ kernel: 1, inChannels: block.inChannels, outChannels: hidden, outSize: size });
    walker.batchNorm(hidden, size);
    walker.map(hidden, size);
    size = stridedSize(size, block.stride);
    walker.convolution({
      kernel: 3,
      inChannels: hidden,
      outChannels: hidden,
      outSize: size,
      depthwise: true,
    });
    walker.batchNorm(hidden, size);
    walker.map(hidden, size);
    walker.convolution({ kernel: 1, inChannels: hidden, outChannels: block.outChannels, outSize: size });
    walker.batchNorm(block.outChannels, size);
    if (block.residual) walker.map(block.outChannels, size);
    walker.tap([size, size, block.outChannels], 'block');
  }
  const last = architecture.blocks[architecture.blocks.length - 1]?.outChannels ?? architecture.stemWidth;
  walker.convolution({ kernel: 1, inChannels: last, outChannels: architecture.headWidth, outSize: size });
  walker.batchNorm(architecture.headWidth, size);
  walker.map(architecture.headWidth, size);
  walker.head(architecture.headWidth);
  return walker.figures();
}

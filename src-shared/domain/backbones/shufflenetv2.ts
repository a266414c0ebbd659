import { CostWalker } from './cost-walker.js';
import {
  stridedSize,
  type BackboneFigures,
  type BackboneSizeOptions,
  type ShuffleNetV2Architecture,
} from './types.js';

/** The ShuffleNetV2 of the name `shufflenetv2` (net size 1 of the reference); null for another name. */
export function parseShuffleNetV2Name(canonical: string): ShuffleNetV2Architecture | null {
  if (canonical !== 'shufflenetv2') return null;
  return {
    name: 'shufflenetv2',
    label: 'ShuffleNetV2',
    family: 'shufflenetv2',
    stemWidth: 24,
    stageWidths: [116, 232, 464],
    unitsPerStage: [3, 7, 3],
    headWidth: 1024,
  };
}

/**
 * The figures of a ShuffleNetV2: a 1x1 stem conv-BN-ReLU at full resolution (the reference's stem, no max
 * pool), per stage one stride-2 unit with two branches then units that split the channels in halves and
 * transform one; every unit ends in a channel shuffle of two groups, and its output is a tap.
 */
export function describeShuffleNetV2(
  architecture: ShuffleNetV2Architecture,
  options: BackboneSizeOptions,
): BackboneFigures {
  const walker = new CostWalker(options);
  const [inputSize, , inputChannels] = options.inputShape;
  let size = inputSize;
  let channels = architecture.stemWidth;
  walker.convolution({ kernel: 1, inChannels: inputChannels, outChannels: channels, outSize: size });
  walker.batchNorm(channels, size);
  walker.map(channels, size);
  architecture.stageWidths.forEach((width, stage) => {
    const half = width / 2;
    const inSize = size;
    size = stridedSize(size, 2);
    // Stride-2 unit, left branch: depthwise 3x3, BN, 1x1, BN, ReLU.
    walker.convolution({
      kernel: 3,
      inChannels: channels,
      outChannels: channels,
      outSize: size,
      depthwise: true,
    });
    walker.batchNorm(channels, size);
    walker.convolution({ kernel: 1, inChannels: channels, outChannels: half, outSize: size });
    walker.batchNorm(half, size);
    walker.map(half, size);
    // Right branch: 1x1, BN, ReLU at the input resolution, then depthwise 3x3, BN, 1x1, BN, ReLU.
    walker.convolution({ kernel: 1, inChannels: channels, outChannels: half, outSize: inSize });
    walker.batchNorm(half, inSize);
    walker.map(half, inSize);
    branchTail(walker, half, size);
    shuffle(walker, width, size);
    walker.tap([size, size, width], 'unit');
    for (let unit = 0; unit < (architecture.unitsPerStage[stage] ?? 0); unit += 1) {
      walker.map(half, size);
      walker.convolution({ kernel: 1, inChannels: half, outChannels: half, outSize: size });
      walker.batchNorm(half, size);
      walker.map(half, size);
      branchTail(walker, half, size);
      shuffle(walker, width, size);
      walker.tap([size, size, width], 'unit');
    }
    channels = width;
  });
  walker.convolution({ kernel: 1, inChannels: channels, outChannels: architecture.headWidth, outSize: size });
  walker.batchNorm(architecture.headWidth, size);
  walker.map(architecture.headWidth, size);
  walker.head(architecture.headWidth);
  return walker.figures();
}

/** Depthwise 3x3, BN, 1x1, BN, ReLU of a branch at its output resolution. */
function branchTail(walker: CostWalker, channels: number, size: number): void {
  walker.convolution({
    kernel: 3,
    inChannels: channels,
    outChannels: channels,
    outSize: size,
    depthwise: true,
  });
  walker.batchNorm(channels, size);
  walker.convolution({ kernel: 1, inChannels: channels, outChannels: channels, outSize: size });
  walker.batchNorm(channels, size);
  walker.map(channels, size);
}

/** Concatenation of the two branches, then the shuffle's reordering. */
function shuffle(walker: CostWalker, channels: number, size: number): void {
  walker.map(channels, size);
  walker.map(channels, size);
}

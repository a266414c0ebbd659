import { CostWalker } from './cost-walker.js';
import {
  stridedSize,
  type BackboneFigures,
  type BackboneSizeOptions,
  type ResidualArchitecture,
} from './types.js';

const maximumResnetDepth = 1202;
const maximumWrnDepth = 220;
const maximumWrnWidth = 16;
/** ResNets with more blocks than this tap every second block, so resnet110 has 27 taps as in the AFD reference. */
const maximumTappedResnetBlocks = 27;

const resnetPattern = /^resnet(\d+)(x4)?$/;
const wrnPattern = /^wrn-(\d+)-(\d+)$/;

/** One residual block of a ResNet or WRN, in graph order. */
export interface BlockPlan {
  /** 0-based stage. */
  readonly stage: number;
  /** 0-based index of the block within its stage. */
  readonly block: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly stride: 1 | 2;
  /** Whether the shortcut is a 1x1 convolution (ResNet: followed by BN) instead of the identity. */
  readonly projection: boolean;
  readonly tapped: boolean;
}

/**
 * The ResNet or WRN a canonical lower-case name stands for (`resnetN`, `resnetNx4`, `wrn-D-W`); null when
 * the name is of neither family, an error saying what is wrong when it is but the numbers are not valid.
 */
export function parseResidualName(canonical: string, name: string): ResidualArchitecture | null {
  const resnetMatch = resnetPattern.exec(canonical);
  if (resnetMatch) {
    const depth = Number(resnetMatch[1]);
    const wide = resnetMatch[2] !== undefined;
    if (depth < 8 || (depth - 2) % 6 !== 0 || depth > maximumResnetDepth) {
      throw new Error(
        `Backbone "${name}": a ResNet depth must be 6k+2 between 8 and ${maximumResnetDepth} ` +
          `(8, 14, 20, 32, 44, 56, 110, ...), found ${depth}.`,
      );
    }
    return resnetArchitecture(depth, wide);
  }
  const wrnMatch = wrnPattern.exec(canonical);
  if (wrnMatch) {
    const depth = Number(wrnMatch[1]);
    const width = Number(wrnMatch[2]);
    if (depth < 10 || (depth - 4) % 6 !== 0 || depth > maximumWrnDepth) {
      throw new Error(
        `Backbone "${name}": a WRN depth D must satisfy (D-4) divisible by 6, between 10 and ${maximumWrnDepth} ` +
          `(10, 16, 22, 28, 40, ...), found ${depth}.`,
      );
    }
    if (width < 1 || width > maximumWrnWidth) {
      throw new Error(
        `Backbone "${name}": a WRN width must be between 1 and ${maximumWrnWidth}, found ${width}.`,
      );
    }
    return wrnArchitecture(depth, width);
  }
  return null;
}

function resnetArchitecture(depth: number, wide: boolean): ResidualArchitecture {
  const blocksPerStage = (depth - 2) / 6;
  const width = wide ? 4 : 1;
  const tapStride = blocksPerStage * 3 > maximumTappedResnetBlocks ? 2 : 1;
  return {
    name: `resnet${depth}${wide ? 'x4' : ''}`,
    label: `ResNet-${depth}${wide ? 'x4' : ''}`,
    family: 'resnet',
    depth,
    width,
    stemWidth: wide ? 32 : 16,
    stageWidths: [16 * width, 32 * width, 64 * width],
    blocksPerStage,
    tappedBlocks: tappedFromStageEnd(blocksPerStage, tapStride),
  };
}

function wrnArchitecture(depth: number, width: number): ResidualArchitecture {
  const blocksPerStage = (depth - 4) / 6;
  return {
    name: `wrn-${depth}-${width}`,
    label: `WRN-${depth}-${width}`,
    family: 'wrn',
    depth,
    width,
    stemWidth: 16,
    stageWidths: [16 * width, 32 * width, 64 * width],
    blocksPerStage,
    tappedBlocks: tappedFromStageEnd(blocksPerStage, 1),
  };
}

/** Counting from the stage's last block keeps that block tapped, which AT's stage-end links rely on. */
function tappedFromStageEnd(blocksPerStage: number, stride: number): number[] {
  const tapped: number[] = [];
  for (let block = 0; block < blocksPerStage; block += 1) {
    if ((blocksPerStage - 1 - block) % stride === 0) tapped.push(block);
  }
  return tapped;
}

/** Lists the residual blocks of a ResNet or WRN in graph order. */
export function listBlocks(architecture: ResidualArchitecture): BlockPlan[] {
  const blocks: BlockPlan[] = [];
  let inChannels = architecture.stemWidth;
  architecture.stageWidths.forEach((outChannels, stage) => {
    for (let block = 0; block < architecture.blocksPerStage; block += 1) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      blocks.push({
        stage,
        block,
        inChannels,
        outChannels,
        stride,
        projection: stride !== 1 || inChannels !== outChannels,
        tapped: architecture.tappedBlocks.includes(block),
      });
      inChannels = outChannels;
    }
  });
  return blocks;
}

/** The name of the tap that reads a residual block's output. */
export function tapName(stage: number, block: number): string {
  return `stage${stage + 1}_block${block + 1}`;
}

/** The figures of a ResNet (post-activation, BN after every conv) or WRN (pre-activation). */
export function describeResidual(
  architecture: ResidualArchitecture,
  options: BackboneSizeOptions,
): BackboneFigures {
  const walker = new CostWalker(options);
  const [inputSize, , inputChannels] = options.inputShape;
  const isResnet = architecture.family === 'resnet';
  walker.convolution({
    kernel: 3,
    inChannels: inputChannels,
    outChannels: architecture.stemWidth,
    outSize: inputSize,
  });
  if (isResnet) {
    walker.batchNorm(architecture.stemWidth, inputSize);
    walker.map(architecture.stemWidth, inputSize);
  }
  let size = inputSize;
  let channels = architecture.stemWidth;
  for (const block of listBlocks(architecture)) {
    const outSize = stridedSize(size, block.stride);
    if (!isResnet) {
      walker.batchNorm(block.inChannels, size);
      walker.map(block.inChannels, size);
    }
    walker.convolution({ kernel: 3, inChannels: block.inChannels, outChannels: block.outChannels, outSize });
    walker.batchNorm(block.outChannels, outSize);
    walker.map(block.outChannels, outSize);
    walker.convolution({ kernel: 3, inChannels: block.outChannels, outChannels: block.outChannels, outSize });
    if (isResnet) walker.batchNorm(block.outChannels, outSize);
    if (block.projection) {
      walker.convolution({
        kernel: 1,
        inChannels: block.inChannels,
        outChannels: block.outChannels,
        outSize,
      });
      if (isResnet) walker.batchNorm(block.outChannels, outSize);
    }
    walker.map(block.outChannels, outSize);
    if (isResnet) walker.map(block.outChannels, outSize);
    if (block.tapped) {
      walker.tap([outSize, outSize, block.outChannels], 'block', tapName(block.stage, block.block));
    }
    size = outSize;
    channels = block.outChannels;
  }
  if (!isResnet) {
    walker.batchNorm(channels, size);
    walker.map(channels, size);
  }
  walker.head(channels);
  return walker.figures();
}

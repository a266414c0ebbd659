import { z } from 'zod';

/** The backbone families the workbench builds (method.md §1). */
export const backboneFamilies = ['resnet', 'wrn'] as const;
export type BackboneFamily = (typeof backboneFamilies)[number];

/** The backbones offered by name in the UI and CLI; any other valid `resnetN`, `resnetNx4` or `wrn-D-W` also builds. */
export const catalogBackboneNames = [
  'resnet8',
  'resnet14',
  'resnet20',
  'resnet32',
  'resnet44',
  'resnet56',
  'resnet110',
  'resnet8x4',
  'resnet32x4',
  'wrn-16-1',
  'wrn-16-2',
  'wrn-28-2',
  'wrn-40-1',
  'wrn-40-2',
] as const;

/** Height, width, channels of one input image or one feature map (channels-last). */
export type BackboneShape = readonly [height: number, width: number, channels: number];

/** The architecture a backbone name stands for. */
export interface BackboneArchitecture {
  /** Canonical lower-case name, e.g. `wrn-40-2`. */
  readonly name: string;
  /** Human label, e.g. `WRN-40-2`, `ResNet-32x4`. */
  readonly label: string;
  readonly family: BackboneFamily;
  readonly depth: number;
  /** Width multiplier: W of WRN-D-W; 4 for the ResNet `x4` variants, else 1. */
  readonly width: number;
  readonly stemWidth: number;
  readonly stageWidths: readonly [number, number, number];
  readonly blocksPerStage: number;
  /** 0-based indices, within every stage, of the blocks whose output is a feature tap. */
  readonly tappedBlocks: readonly number[];
}

/** One residual block of a backbone, in graph order. */
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

/** One feature tap as the catalog describes it. */
export interface TapDescription {
  readonly index: number;
  /** `stage<s>_block<b>` (1-based), the block whose output the tap reads. */
  readonly name: string;
  /** 0-based stage; taps of one stage share a spatial resolution. */
  readonly stage: number;
  readonly shape: BackboneShape;
}

/** What a backbone costs for one input shape and class count, computed without TensorFlow. */
export interface BackboneDescription extends BackboneArchitecture {
  readonly classes: number;
  readonly inputShape: BackboneShape;
  /** Trainable parameters: conv kernels, BN scale and offset, dense kernel and bias. */
  readonly parameterCount: number;
  /** BN moving means and variances, which are saved with the weights but not trained. */
  readonly movingStatisticCount: number;
  /** Multiply-accumulates of the convolutions and the dense head for one image (BN, ReLU, adds and pooling not counted). */
  readonly macsPerImage: number;
  readonly taps: readonly TapDescription[];
  /** Bytes of all saved weights (trainable and moving statistics) as float32. */
  readonly float32Bytes: number;
}

/** Options that fix a backbone's input and output sizes. */
export interface BackboneSizeOptions {
  readonly classes: number;
  readonly inputShape: BackboneShape;
}

export const minimumInputSize = 16;
export const maximumInputSize = 1024;
export const maximumClasses = 100_000;
const maximumResnetDepth = 1202;
const maximumWrnDepth = 220;
const maximumWrnWidth = 16;
/** ResNets with more blocks than this tap every second block, so resnet110 has 27 taps as in the AFD reference. */
const maximumTappedResnetBlocks = 27;

const resnetPattern = /^resnet(\d+)(x4)?$/;
const wrnPattern = /^wrn-(\d+)-(\d+)$/;

/** Parses a backbone name (`resnetN`, `resnetNx4`, `wrn-D-W`, case-insensitive) or throws an error saying what is wrong. */
export function parseBackboneName(name: string): BackboneArchitecture {
  const canonical = name.trim().toLowerCase();
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
  throw new Error(
    `Unknown backbone "${name}": expected resnetN (N = 6k+2, e.g. resnet20), resnetNx4 (e.g. resnet32x4) ` +
      `or wrn-D-W with (D-4) divisible by 6 (e.g. wrn-40-2).`,
  );
}

function resnetArchitecture(depth: number, wide: boolean): BackboneArchitecture {
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

function wrnArchitecture(depth: number, width: number): BackboneArchitecture {
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

/** Lists the residual blocks of an architecture in graph order. */
export function listBlocks(architecture: BackboneArchitecture): BlockPlan[] {
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

/** The name of the tap that reads a block's output. */
export function tapName(stage: number, block: number): string {
  return `stage${stage + 1}_block${block + 1}`;
}

/** Spatial size after a 3x3 (padding 1) or 1x1 (padding 0) convolution with this stride, as the reference computes it. */
export function stridedSize(size: number, stride: 1 | 2): number {
  return Math.floor((size - 1) / stride) + 1;
}

/** Validates classes and input shape, throwing an error that names the bad value. */
export function validateBackboneSize(backboneName: string, options: BackboneSizeOptions): void {
  const { classes, inputShape } = options;
  if (!Number.isInteger(classes) || classes < 2 || classes > maximumClasses) {
    throw new Error(
      `Backbone "${backboneName}": classes must be an integer between 2 and ${maximumClasses}, found ${String(classes)}.`,
    );
  }
  if (!Array.isArray(inputShape) || inputShape.length !== 3) {
    throw new Error(
      `Backbone "${backboneName}": input shape must be [height, width, channels], found ${JSON.stringify(inputShape)}.`,
    );
  }
  const [height, width, channels] = inputShape;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height !== width) {
    throw new Error(
      `Backbone "${backboneName}": input images must be square with integer sides, found ${height}x${width}.`,
    );
  }
  if (height < minimumInputSize || height > maximumInputSize) {
    throw new Error(
      `Backbone "${backboneName}": input side must be between ${minimumInputSize} and ${maximumInputSize} pixels, ` +
        `found ${height}.`,
    );
  }
  if (channels !== 1 && channels !== 3) {
    throw new Error(
      `Backbone "${backboneName}": input must have 1 (grey) or 3 (RGB) channels, found ${String(channels)}.`,
    );
  }
}

/** Describes a backbone's size and cost for a class count and input shape, with pure arithmetic. */
export function describeBackbone(name: string, options: BackboneSizeOptions): BackboneDescription {
  const architecture = parseBackboneName(name);
  validateBackboneSize(architecture.name, options);
  const { classes, inputShape } = options;
  const [inputSize, , inputChannels] = inputShape;
  const isResnet = architecture.family === 'resnet';

  let parameterCount = 0;
  let movingStatisticCount = 0;
  let macsPerImage = 0;
  const addConv = (kernel: number, inChannels: number, outChannels: number, outSize: number): void => {
    parameterCount += kernel * kernel * inChannels * outChannels;
    macsPerImage += outSize * outSize * kernel * kernel * inChannels * outChannels;
  };
  const addBatchNorm = (channels: number): void => {
    parameterCount += 2 * channels;
    movingStatisticCount += 2 * channels;
  };

  addConv(3, inputChannels, architecture.stemWidth, inputSize);
  if (isResnet) addBatchNorm(architecture.stemWidth);

  const taps: TapDescription[] = [];
  let size = inputSize;
  let channels = architecture.stemWidth;
  for (const block of listBlocks(architecture)) {
    const outSize = stridedSize(size, block.stride);
    if (!isResnet) addBatchNorm(block.inChannels);
    addConv(3, block.inChannels, block.outChannels, outSize);
    addBatchNorm(block.outChannels);
    addConv(3, block.outChannels, block.outChannels, outSize);
    if (isResnet) addBatchNorm(block.outChannels);
    if (block.projection) {
      addConv(1, block.inChannels, block.outChannels, outSize);
      if (isResnet) addBatchNorm(block.outChannels);
    }
    if (block.tapped) {
      taps.push({
        index: taps.length,
        name: tapName(block.stage, block.block),
        stage: block.stage,
        shape: [outSize, outSize, block.outChannels],
      });
    }
    size = outSize;
    channels = block.outChannels;
  }
  if (!isResnet) addBatchNorm(channels);
  parameterCount += channels * classes + classes;
  macsPerImage += channels * classes;

  return {
    ...architecture,
    classes,
    inputShape: [inputShape[0], inputShape[1], inputShape[2]],
    parameterCount,
    movingStatisticCount,
    macsPerImage,
    taps,
    float32Bytes: 4 * (parameterCount + movingStatisticCount),
  };
}

/** Whether `name` is a backbone this catalog can build (a model the workbench saved carries its name). */
export function isBackboneName(name: string): boolean {
  try {
    parseBackboneName(name);
    return true;
  } catch {
    return false;
  }
}

/** A backbone name that parses; the error message says what a valid name looks like. */
export const backboneNameSchema = z.string().superRefine((value, context) => {
  try {
    parseBackboneName(value);
  } catch (error) {
    context.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
  }
});

import { z } from 'zod';
import { describeMobileNetV2, parseMobileNetV2Name } from './backbones/mobilenetv2.js';
import { describeResidual, parseResidualName } from './backbones/residual.js';
import { describeShuffleNetV2, parseShuffleNetV2Name } from './backbones/shufflenetv2.js';
import type {
  BackboneArchitecture,
  BackboneDescription,
  BackboneFigures,
  BackboneSizeOptions,
} from './backbones/types.js';
import { describeVgg, parseVggName } from './backbones/vgg.js';

export { listBlocks, tapName, type BlockPlan } from './backbones/residual.js';
export { vggPoolsAfterBlock } from './backbones/vgg.js';
export {
  backboneFamilies,
  stridedSize,
  type BackboneArchitecture,
  type BackboneDescription,
  type BackboneFamily,
  type BackboneFigures,
  type BackboneShape,
  type BackboneSizeOptions,
  type InvertedResidualPlan,
  type MobileNetV2Architecture,
  type ResidualArchitecture,
  type ShuffleNetV2Architecture,
  type TapDescription,
  type VggArchitecture,
} from './backbones/types.js';

/**
 * The backbones offered by name in the UI and CLI; any other valid `resnetN`, `resnetNx4`, `wrn-D-W` or
 * `mobilenetv2-W` also builds. The edge students are those of the public KD benchmarks: MobileNetV2 at
 * width 0.5 (their "MobileNetV2"), ShuffleNetV2 net size 1, VGG-8/11/13 with BatchNorm.
 */
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
  'mobilenetv2-0.5',
  'shufflenetv2',
  'vgg8',
  'vgg11',
  'vgg13',
] as const;

export const minimumInputSize = 16;
export const maximumInputSize = 1024;
export const maximumClasses = 100_000;

/**
 * Parses a backbone name (`resnetN`, `resnetNx4`, `wrn-D-W`, `mobilenetv2-W`, `shufflenetv2`, `vgg8`,
 * `vgg11`, `vgg13`, case-insensitive) or throws an error saying what is wrong.
 */
export function parseBackboneName(name: string): BackboneArchitecture {
  const canonical = name.trim().toLowerCase();
  const architecture =
    parseResidualName(canonical, name) ??
    parseMobileNetV2Name(canonical, name) ??
    parseShuffleNetV2Name(canonical) ??
    parseVggName(canonical, name);
  if (architecture !== null) return architecture;
  throw new Error(
    `Unknown backbone "${name}": expected resnetN (N = 6k+2, e.g. resnet20), resnetNx4 (e.g. resnet32x4), ` +
      `wrn-D-W with (D-4) divisible by 6 (e.g. wrn-40-2), mobilenetv2-W (e.g. mobilenetv2-0.5), ` +
      `shufflenetv2, vgg8, vgg11 or vgg13.`,
  );
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
  const figures = figuresOf(architecture, options);
  return { ...architecture, ...figures };
}

function figuresOf(architecture: BackboneArchitecture, options: BackboneSizeOptions): BackboneFigures {
  switch (architecture.family) {
    case 'resnet':
    case 'wrn':
      return describeResidual(architecture, options);
    case 'mobilenetv2':
      return describeMobileNetV2(architecture, options);
    case 'shufflenetv2':
      return describeShuffleNetV2(architecture, options);
    case 'vgg':
      return describeVgg(architecture, options);
  }
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

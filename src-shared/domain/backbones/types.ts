/** The backbone families the workbench builds (method.md §1). */
export const backboneFamilies = ['resnet', 'wrn', 'mobilenetv2', 'shufflenetv2', 'vgg'] as const;
export type BackboneFamily = (typeof backboneFamilies)[number];

/** Height, width, channels of one input image or one feature map (channels-last). */
export type BackboneShape = readonly [height: number, width: number, channels: number];

interface ArchitectureNames {
  /** Canonical lower-case name, e.g. `wrn-40-2`, `mobilenetv2-0.5`. */
  readonly name: string;
  /** Human label, e.g. `WRN-40-2`, `ResNet-32x4`, `MobileNetV2-0.5`. */
  readonly label: string;
}

/** CIFAR ResNet or pre-activation WideResNet: three stages of equal block counts. */
export interface ResidualArchitecture extends ArchitectureNames {
  readonly family: 'resnet' | 'wrn';
  readonly depth: number;
  /** Width multiplier: W of WRN-D-W; 4 for the ResNet `x4` variants, else 1. */
  readonly width: number;
  readonly stemWidth: number;
  readonly stageWidths: readonly [number, number, number];
  readonly blocksPerStage: number;
  /** 0-based indices, within every stage, of the blocks whose output is a feature tap. */
  readonly tappedBlocks: readonly number[];
}

/** One inverted-residual block of a MobileNetV2, in graph order. */
export interface InvertedResidualPlan {
  readonly inChannels: number;
  /** Channels after the 1x1 expansion (inChannels × expansion; the first block expands by 1). */
  readonly hiddenChannels: number;
  readonly outChannels: number;
  readonly stride: 1 | 2;
  /** Identity shortcut: stride 1 and as many output channels as input channels. */
  readonly residual: boolean;
}

/** The CIFAR MobileNetV2 of the KD benchmarks: stride-2 stem, inverted residuals, 1x1 head convolution. */
export interface MobileNetV2Architecture extends ArchitectureNames {
  readonly family: 'mobilenetv2';
  readonly widthMultiplier: number;
  readonly expansion: number;
  readonly stemWidth: number;
  readonly blocks: readonly InvertedResidualPlan[];
  readonly headWidth: number;
}

/** The CIFAR ShuffleNetV2 (net size 1) of the KD benchmarks. */
export interface ShuffleNetV2Architecture extends ArchitectureNames {
  readonly family: 'shufflenetv2';
  readonly stemWidth: number;
  readonly stageWidths: readonly number[];
  /** Units that keep the resolution, after the one stride-2 unit that opens each stage. */
  readonly unitsPerStage: readonly number[];
  readonly headWidth: number;
}

/** VGG with BatchNorm: five blocks of 3x3 convolutions, max pooling between them. */
export interface VggArchitecture extends ArchitectureNames {
  readonly family: 'vgg';
  readonly depth: number;
  /** Output channels of every convolution, block by block. */
  readonly blockWidths: readonly (readonly number[])[];
}

/** The architecture a backbone name stands for, one shape per family. */
export type BackboneArchitecture =
  ResidualArchitecture | MobileNetV2Architecture | ShuffleNetV2Architecture | VggArchitecture;

/** One feature tap as the catalog describes it. */
export interface TapDescription {
  readonly index: number;
  /** `stage<s>_block<b>`, `stage<s>_unit<u>` or `stage<s>_conv<c>` (1-based): what the tap reads. */
  readonly name: string;
  /** 0-based stage; taps of one stage share a spatial resolution. */
  readonly stage: number;
  readonly shape: BackboneShape;
}

/** What a backbone costs for one input shape and class count, computed without TensorFlow. */
export interface BackboneFigures {
  readonly classes: number;
  readonly inputShape: BackboneShape;
  /** Trainable parameters: conv kernels and biases, BN scale and offset, dense kernel and bias. */
  readonly parameterCount: number;
  /** BN moving means and variances, which are saved with the weights but not trained. */
  readonly movingStatisticCount: number;
  /**
   * Multiply-accumulates of the convolutions and the dense head for one image (BN, ReLU, adds and pooling
   * not counted); a depthwise 3x3 convolution costs C·9·H·W.
   */
  readonly macsPerImage: number;
  readonly taps: readonly TapDescription[];
  /** Bytes of all saved weights (trainable and moving statistics) as float32. */
  readonly float32Bytes: number;
  /** Values of the layer outputs one image's training forward pass keeps for the backward pass. */
  readonly activationValuesPerImage: number;
  /** Values of the largest of those outputs. */
  readonly largestActivationPerImage: number;
}

/** A backbone's architecture with its cost for one input shape and class count. */
export type BackboneDescription = BackboneArchitecture & BackboneFigures;

/** Options that fix a backbone's input and output sizes. */
export interface BackboneSizeOptions {
  readonly classes: number;
  readonly inputShape: BackboneShape;
}

/** Spatial size after a 3x3 (padding 1) or 1x1 (padding 0) convolution with this stride, as the reference computes it. */
export function stridedSize(size: number, stride: 1 | 2): number {
  return Math.floor((size - 1) / stride) + 1;
}

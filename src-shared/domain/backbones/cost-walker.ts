import type { BackboneShape, BackboneSizeOptions, BackboneFigures, TapDescription } from './types.js';

/** How a convolution is counted: square kernel, output map side, depthwise (one filter per channel), bias. */
export interface ConvolutionCost {
  readonly kernel: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly outSize: number;
  readonly depthwise?: boolean;
  readonly bias?: boolean;
}

/**
 * Adds up a backbone's figures while a family walks its layers in graph order: parameters, moving
 * statistics, MACs, the activations a training pass keeps, and the feature taps with their stages (a new
 * stage whenever the tap resolution changes).
 */
export class CostWalker {
  private parameterCount = 0;
  private movingStatisticCount = 0;
  private macsPerImage = 0;
  private activationValues = 0;
  private largestActivation = 0;
  private readonly taps: TapDescription[] = [];
  private tapsInStage = 0;

  constructor(private readonly options: BackboneSizeOptions) {
    const [height, width, channels] = options.inputShape;
    this.keep(height * width * channels);
  }

  /** A convolution and its output map. */
  convolution(cost: ConvolutionCost): void {
    const { kernel, inChannels, outChannels, outSize } = cost;
    const perOutput = cost.depthwise === true ? kernel * kernel : kernel * kernel * inChannels;
    this.parameterCount += perOutput * outChannels + (cost.bias === true ? outChannels : 0);
    this.macsPerImage += perOutput * outChannels * outSize * outSize;
    this.keep(outSize * outSize * outChannels);
  }

  /** A BatchNorm (scale, offset and two moving statistics per channel) and its output map. */
  batchNorm(channels: number, size: number): void {
    this.parameterCount += 2 * channels;
    this.movingStatisticCount += 2 * channels;
    this.keep(size * size * channels);
  }

  /** A parameter-free layer output (ReLU, add, pooling, concatenation, channel shuffle or split). */
  map(channels: number, size: number): void {
    this.keep(size * size * channels);
  }

  /** Global average pooling then the dense classifier. */
  head(channels: number): void {
    const { classes } = this.options;
    this.keep(channels);
    this.parameterCount += channels * classes + classes;
    this.macsPerImage += channels * classes;
    this.keep(classes);
  }

  /** The stage the next tap of this resolution falls in. */
  stageOf(size: number): number {
    const last = this.taps[this.taps.length - 1];
    if (last === undefined) return 0;
    return last.shape[0] === size ? last.stage : last.stage + 1;
  }

  /** Records a feature tap; `name` defaults to `stage<s>_<kind><n>` with n counted within the stage. */
  tap(shape: BackboneShape, kind: string, name?: string): void {
    const stage = this.stageOf(shape[0]);
    const last = this.taps[this.taps.length - 1];
    this.tapsInStage = last !== undefined && last.stage === stage ? this.tapsInStage + 1 : 1;
    this.taps.push({
      index: this.taps.length,
      name: name ?? `stage${stage + 1}_${kind}${this.tapsInStage}`,
      stage,
      shape,
    });
  }

  /** The figures added up so far. */
  figures(): BackboneFigures {
    const { classes, inputShape } = this.options;
    return {
      classes,
      inputShape: [inputShape[0], inputShape[1], inputShape[2]],
      parameterCount: this.parameterCount,
      movingStatisticCount: this.movingStatisticCount,
      macsPerImage: this.macsPerImage,
      taps: this.taps,
      float32Bytes: 4 * (this.parameterCount + this.movingStatisticCount),
      activationValuesPerImage: this.activationValues,
      largestActivationPerImage: this.largestActivation,
    };
  }

  private keep(values: number): void {
    this.activationValues += values;
    this.largestActivation = Math.max(this.largestActivation, values);
  }
}

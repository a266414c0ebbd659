import * as tf from '@tensorflow/tfjs';

/** Reference BatchNorm convention (method.md §1): epsilon 1e-5, running statistics with PyTorch momentum 0.1. */
export const batchNormEpsilon = 1e-5;
export const batchNormMomentum = 0.9;

/**
 * Hands out one initializer seed per layer, in graph order, so a backbone's weights depend only on the
 * backbone seed and no two layers of the same shape start identical.
 */
export class SeedSequence {
  private counter = 0;

  constructor(private readonly seed: number) {}

  /** The seed for the next layer that draws random weights. */
  next(): number {
    this.counter += 1;
    return mixSeed(this.seed, this.counter);
  }
}

/** A 32-bit integer hash (murmur3 finaliser) of seed and counter; seedrandom only needs distinct, stable values. */
function mixSeed(seed: number, counter: number): number {
  let hash = (Math.imul(seed | 0, 0x9e3779b1) ^ Math.imul(counter, 0x85ebca77)) >>> 0;
  hash = Math.imul(hash ^ (hash >>> 16), 0x85ebca6b) >>> 0;
  hash = Math.imul(hash ^ (hash >>> 13), 0xc2b2ae35) >>> 0;
  return (hash ^ (hash >>> 16)) >>> 0;
}

/** Applies a layer to one symbolic tensor (or a list, for merge layers) while building a functional graph. */
export function applyLayer(
  layer: tf.layers.Layer,
  input: tf.SymbolicTensor | tf.SymbolicTensor[],
): tf.SymbolicTensor {
  const output = layer.apply(input);
  if (!(output instanceof tf.SymbolicTensor)) {
    throw new Error(
      `Layer "${layer.name}" did not produce exactly one symbolic tensor while building the graph.`,
    );
  }
  return output;
}

/** Symmetric one-pixel zero padding before a strided 3x3 convolution (see `convolution`). */
function referencePadding(
  input: tf.SymbolicTensor,
  kernelSize: 1 | 3,
  stride: 1 | 2,
  name: string,
): { padded: tf.SymbolicTensor; padding: 'same' | 'valid' } {
  if (kernelSize === 1) return { padded: input, padding: 'valid' };
  if (stride === 1) return { padded: input, padding: 'same' };
  return {
    padded: applyLayer(tf.layers.zeroPadding2d({ padding: 1, name: `${name}_pad` }), input),
    padding: 'valid',
  };
}

/** He-normal over fan-out (std sqrt(2 / (k·k·outputs))), untruncated, as the reference initialises convolutions. */
function heNormalFanOut(
  kernelSize: number,
  outputs: number,
  seeds: SeedSequence,
): ReturnType<typeof tf.initializers.randomNormal> {
  return tf.initializers.randomNormal({
    mean: 0,
    stddev: Math.sqrt(2 / (kernelSize * kernelSize * outputs)),
    seed: seeds.next(),
  });
}

/**
 * A convolution with the reference's padding: 3x3 convs pad one pixel on every side and 1x1 convs none.
 * TFJS "same" padding at stride 2 pads only bottom/right, which would sample other pixels than the
 * reference and break imported weights, so strided 3x3 convs get an explicit symmetric zero padding.
 * Bias-free unless `bias` (VGG), the bias starting at zero as in the reference.
 */
export function convolution(
  input: tf.SymbolicTensor,
  options: {
    filters: number;
    kernelSize: 1 | 3;
    stride: 1 | 2;
    name: string;
    seeds: SeedSequence;
    bias?: boolean;
  },
): tf.SymbolicTensor {
  const { filters, kernelSize, stride, name, seeds } = options;
  const { padded, padding } = referencePadding(input, kernelSize, stride, name);
  const layer = tf.layers.conv2d({
    filters,
    kernelSize,
    strides: stride,
    padding,
    useBias: options.bias === true,
    kernelInitializer: heNormalFanOut(kernelSize, filters, seeds),
    biasInitializer: 'zeros',
    name,
  });
  return applyLayer(layer, padded);
}

/**
 * A bias-free depthwise 3x3 convolution (one filter per channel, multiplier 1) with the reference's
 * padding; He-normal over the fan-out the reference uses for it (9 · channels).
 */
export function depthwiseConvolution(
  input: tf.SymbolicTensor,
  options: { stride: 1 | 2; name: string; seeds: SeedSequence },
): tf.SymbolicTensor {
  const { stride, name, seeds } = options;
  const { padded, padding } = referencePadding(input, 3, stride, name);
  const layer = tf.layers.depthwiseConv2d({
    kernelSize: 3,
    depthMultiplier: 1,
    strides: stride,
    padding,
    useBias: false,
    depthwiseInitializer: heNormalFanOut(3, channelsOf(input), seeds),
    name,
  });
  return applyLayer(layer, padded);
}

/** The channel count of a symbolic NHWC map. */
export function channelsOf(input: tf.SymbolicTensor): number {
  const channels = input.shape[input.shape.length - 1];
  if (typeof channels !== 'number') {
    throw new Error(`Tensor "${input.name}" has no known channel count.`);
  }
  return channels;
}

function spatialOf(input: tf.SymbolicTensor): [number, number] {
  const [, height, width] = input.shape;
  if (typeof height !== 'number' || typeof width !== 'number') {
    throw new Error(`Tensor "${input.name}" has no known height and width.`);
  }
  return [height, width];
}

/** BatchNorm over channels with the reference epsilon and momentum; scale 1 and offset 0 at start. */
export function batchNorm(input: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  const layer = tf.layers.batchNormalization({
    axis: -1,
    epsilon: batchNormEpsilon,
    momentum: batchNormMomentum,
    name,
  });
  return applyLayer(layer, input);
}

/** A ReLU layer. */
export function relu(input: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return applyLayer(tf.layers.reLU({ name }), input);
}

/** Element-wise sum of a residual branch and its shortcut. */
export function add(branch: tf.SymbolicTensor, shortcut: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return applyLayer(tf.layers.add({ name }), [branch, shortcut]);
}

/** A 2x2 max pool with stride 2 and no padding (odd sides are floored, as in the reference). */
export function maxPool(input: tf.SymbolicTensor, name: string): tf.SymbolicTensor {
  return applyLayer(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, padding: 'valid', name }), input);
}

/** Concatenation along the channels. */
export function concatenate(inputs: tf.SymbolicTensor[], name: string): tf.SymbolicTensor {
  return applyLayer(tf.layers.concatenate({ axis: -1, name }), inputs);
}

/**
 * The two channel halves of a map, first then second, as the reference's split: the channels are viewed
 * as [2, C/2] beside the flattened positions and each half is cropped out of that view (stock layers, so
 * the model trains, saves and loads in plain TensorFlow.js).
 */
export function channelHalves(
  input: tf.SymbolicTensor,
  name: string,
): [first: tf.SymbolicTensor, second: tf.SymbolicTensor] {
  const [height, width] = spatialOf(input);
  const channels = channelsOf(input);
  if (channels % 2 !== 0) throw new Error(`Layer "${name}" splits ${channels} channels, an odd number.`);
  const grouped = applyLayer(
    tf.layers.reshape({ targetShape: [height * width, 2, channels / 2], name: `${name}_groups` }),
    input,
  );
  const half = (index: 0 | 1, suffix: string): tf.SymbolicTensor => {
    const cropped = applyLayer(
      tf.layers.cropping2D({
        cropping: [
          [0, 0],
          [index, 1 - index],
        ],
        name: `${name}_${suffix}_crop`,
      }),
      grouped,
    );
    return applyLayer(
      tf.layers.reshape({ targetShape: [height, width, channels / 2], name: `${name}_${suffix}` }),
      cropped,
    );
  };
  return [half(0, 'first'), half(1, 'second')];
}

/**
 * The reference's channel shuffle: channels viewed as [groups, C/groups], the two axes swapped, flattened
 * again, so output channel j·groups + g is input channel g·(C/groups) + j.
 */
export function channelShuffle(input: tf.SymbolicTensor, groups: number, name: string): tf.SymbolicTensor {
  const [height, width] = spatialOf(input);
  const channels = channelsOf(input);
  if (channels % groups !== 0) {
    throw new Error(
      `Layer "${name}" shuffles ${channels} channels in ${groups} groups, which do not divide them.`,
    );
  }
  const grouped = applyLayer(
    tf.layers.reshape({ targetShape: [height, width, groups, channels / groups], name: `${name}_groups` }),
    input,
  );
  const swapped = applyLayer(tf.layers.permute({ dims: [1, 2, 4, 3], name: `${name}_swap` }), grouped);
  return applyLayer(tf.layers.reshape({ targetShape: [height, width, channels], name }), swapped);
}

/**
 * Global average pool then the classifier. The kernel follows PyTorch's Linear default
 * (uniform ±1/sqrt(fan-in)); the bias starts at zero as in the reference WRN.
 */
export function classifierHead(
  input: tf.SymbolicTensor,
  classes: number,
  seeds: SeedSequence,
): tf.SymbolicTensor {
  const pooled = applyLayer(tf.layers.globalAveragePooling2d({ name: 'head_pool' }), input);
  const channels = channelsOf(input);
  const bound = 1 / Math.sqrt(channels);
  const dense = tf.layers.dense({
    units: classes,
    kernelInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: seeds.next() }),
    biasInitializer: 'zeros',
    name: 'head_dense',
  });
  return applyLayer(dense, pooled);
}

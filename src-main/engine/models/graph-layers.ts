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

/**
 * A bias-free convolution with the reference's padding: 3x3 convs pad one pixel on every side and 1x1
 * convs none. TFJS "same" padding at stride 2 pads only bottom/right, which would sample other pixels than
 * the reference and break imported weights, so strided 3x3 convs get an explicit symmetric zero padding.
 * Weights are He-normal over fan-out (std sqrt(2 / (k·k·filters))), untruncated, as the reference.
 */
export function convolution(
  input: tf.SymbolicTensor,
  options: { filters: number; kernelSize: 1 | 3; stride: 1 | 2; name: string; seeds: SeedSequence },
): tf.SymbolicTensor {
  const { filters, kernelSize, stride, name, seeds } = options;
  const explicitPadding = kernelSize === 3 && stride === 2;
  const padded = explicitPadding
    ? applyLayer(tf.layers.zeroPadding2d({ padding: 1, name: `${name}_pad` }), input)
    : input;
  const kernelInitializer = tf.initializers.randomNormal({
    mean: 0,
    stddev: Math.sqrt(2 / (kernelSize * kernelSize * filters)),
    seed: seeds.next(),
  });
  const layer = tf.layers.conv2d({
    filters,
    kernelSize,
    strides: stride,
    padding: kernelSize === 3 && !explicitPadding ? 'same' : 'valid',
    useBias: false,
    kernelInitializer,
    name,
  });
  return applyLayer(layer, padded);
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
  const channels = input.shape[3];
  if (typeof channels !== 'number') {
    throw new Error('The classifier head needs a known channel count.');
  }
  const bound = 1 / Math.sqrt(channels);
  const dense = tf.layers.dense({
    units: classes,
    kernelInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: seeds.next() }),
    biasInitializer: 'zeros',
    name: 'head_dense',
  });
  return applyLayer(dense, pooled);
}

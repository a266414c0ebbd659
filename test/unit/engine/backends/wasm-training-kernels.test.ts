import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initializeBackend } from '../../../../src-main/engine/backends/backend-ladder.js';
import {
  batchNorm,
  channelHalves,
  channelShuffle,
  classifierHead,
  concatenate,
  convolution,
  depthwiseConvolution,
  maxPool,
  relu,
  SeedSequence,
} from '../../../../src-main/engine/models/graph-layers.js';

/** Deterministic values in [-1, 1) so that both backends see the same inputs. */
function randomValues(count: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const values = new Float32Array(count);
  for (let index = 0; index < count; index++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    values[index] = state / 2 ** 31 - 1;
  }
  return values;
}

const shapeDraws = randomValues(64, 2024);
let shapeDrawIndex = 0;

function randomInteger(low: number, high: number): number {
  const value = shapeDraws[shapeDrawIndex++ % shapeDraws.length] ?? 0;
  return low + Math.floor(((value + 1) / 2) * (high - low + 1));
}

interface Result {
  readonly values: Float32Array;
  readonly shape: number[];
}

async function onBackend(backend: 'wasm' | 'cpu', compute: () => tf.Tensor | tf.Tensor[]): Promise<Result[]> {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const outputs = tf.tidy(compute);
  const list = Array.isArray(outputs) ? outputs : [outputs];
  const results = list.map((output) => ({ values: output.dataSync() as Float32Array, shape: output.shape }));
  tf.dispose(list);
  expect(tf.memory().numTensors).toBe(before);
  return results;
}

/** Largest absolute difference divided by the largest magnitude of the reference. */
function relativeError(actual: Result, expected: Result): number {
  expect(actual.shape).toEqual(expected.shape);
  let scale = 0;
  let difference = 0;
  for (let index = 0; index < expected.values.length; index++) {
    const reference = expected.values[index] ?? 0;
    scale = Math.max(scale, Math.abs(reference));
    difference = Math.max(difference, Math.abs((actual.values[index] ?? Number.NaN) - reference));
  }
  return difference / Math.max(scale, 1e-12);
}

async function expectParity(compute: () => tf.Tensor | tf.Tensor[], tolerance = 1e-4): Promise<void> {
  const expected = await onBackend('cpu', compute);
  const actual = await onBackend('wasm', compute);
  expected.forEach((reference, index) => {
    const candidate = actual[index];
    if (candidate === undefined) throw new Error(`wasm returned no output ${index}`);
    expect(relativeError(candidate, reference)).toBeLessThanOrEqual(tolerance);
  });
}

interface ConvCase {
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly pad: 'same' | 'valid';
}

const convCases: ConvCase[] = [];
for (const batch of [1, 17]) {
  for (const kernel of [1, 3]) {
    for (const stride of [1, 2]) {
      for (const pad of ['same', 'valid'] as const) {
        convCases.push({
          batch,
          height: randomInteger(4, 11),
          width: randomInteger(4, 11),
          inChannels: randomInteger(1, 6),
          outChannels: randomInteger(1, 6),
          kernel,
          stride,
          pad,
        });
      }
    }
  }
}

function convOutputSize(size: number, kernel: number, stride: number, pad: 'same' | 'valid'): number {
  return pad === 'same' ? Math.ceil(size / stride) : Math.floor((size - kernel) / stride) + 1;
}

beforeAll(async () => {
  const status = await initializeBackend({ forced: 'wasm' });
  expect(status.chosenBackend).toBe('wasm');
});

describe('wasm convolution gradient kernels match the cpu backend', () => {
  it.each(convCases)(
    'batch $batch, $height x $width x $inChannels -> $outChannels, $kernel x $kernel, stride $stride, $pad',
    async ({ batch, height, width, inChannels, outChannels, kernel, stride, pad }) => {
      const outHeight = convOutputSize(height, kernel, stride, pad);
      const outWidth = convOutputSize(width, kernel, stride, pad);
      const xShape: [number, number, number, number] = [batch, height, width, inChannels];
      const filterShape: [number, number, number, number] = [kernel, kernel, inChannels, outChannels];
      const dyShape: [number, number, number, number] = [batch, outHeight, outWidth, outChannels];
      const seed = batch * 1000 + height * 100 + width;
      const x = randomValues(
        xShape.reduce((a, b) => a * b),
        seed,
      );
      const filter = randomValues(
        filterShape.reduce((a, b) => a * b),
        seed + 1,
      );
      const dy = randomValues(
        dyShape.reduce((a, b) => a * b),
        seed + 2,
      );
      await expectParity(() => [
        tf
          .engine()
          .runKernel<tf.Tensor>(
            tf.Conv2DBackpropFilter,
            { x: tf.tensor4d(x, xShape), dy: tf.tensor4d(dy, dyShape) },
            { strides: [stride, stride], pad, dataFormat: 'NHWC', filterShape },
          ),
        tf
          .engine()
          .runKernel<tf.Tensor>(
            tf.Conv2DBackpropInput,
            { dy: tf.tensor4d(dy, dyShape), filter: tf.tensor4d(filter, filterShape) },
            { strides: [stride, stride], pad, dataFormat: 'NHWC', inputShape: xShape },
          ),
      ]);
    },
  );
});

interface DepthwiseCase {
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly kernel: number;
  readonly stride: number;
  readonly pad: 'same' | 'valid' | 'reference';
}

// 'reference' is the explicit symmetric one-pixel padding the backbones use for strided 3x3 convolutions.
const depthwiseCases: DepthwiseCase[] = [];
for (const batch of [1, 3, 17]) {
  for (const kernel of [1, 3]) {
    for (const stride of [1, 2]) {
      for (const pad of ['same', 'valid', 'reference'] as const) {
        if (pad === 'reference' && kernel === 1) continue;
        depthwiseCases.push({
          batch,
          height: randomInteger(3, 13),
          width: randomInteger(3, 13),
          channels: randomInteger(1, 9),
          kernel,
          stride,
          pad,
        });
      }
    }
  }
}

describe('wasm depthwise convolution gradient kernels match the cpu backend', () => {
  it.each(depthwiseCases)(
    'batch $batch, $height x $width x $channels, $kernel x $kernel, stride $stride, $pad',
    async ({ batch, height, width, channels, kernel, stride, pad }) => {
      const padding: 'same' | 'valid' | tf.backend_util.ExplicitPadding =
        pad === 'reference'
          ? [
              [0, 0],
              [1, 1],
              [1, 1],
              [0, 0],
            ]
          : pad;
      const outSize = (size: number): number =>
        pad === 'reference'
          ? Math.floor((size + 2 - kernel) / stride) + 1
          : convOutputSize(size, kernel, stride, pad);
      const xShape: [number, number, number, number] = [batch, height, width, channels];
      const filterShape: [number, number, number, number] = [kernel, kernel, channels, 1];
      const dyShape: [number, number, number, number] = [batch, outSize(height), outSize(width), channels];
      const seed = batch * 1000 + height * 100 + width + 7;
      const x = randomValues(
        xShape.reduce((a, b) => a * b),
        seed,
      );
      const filter = randomValues(
        filterShape.reduce((a, b) => a * b),
        seed + 1,
      );
      const dy = randomValues(
        dyShape.reduce((a, b) => a * b),
        seed + 2,
      );
      const attrs = { strides: [stride, stride], pad: padding, dilations: [1, 1] };
      await expectParity(() => [
        tf
          .engine()
          .runKernel<tf.Tensor>(
            tf.DepthwiseConv2dNativeBackpropFilter,
            { x: tf.tensor4d(x, xShape), dy: tf.tensor4d(dy, dyShape) },
            { ...attrs, filterShape },
          ),
        tf
          .engine()
          .runKernel<tf.Tensor>(
            tf.DepthwiseConv2dNativeBackpropInput,
            { dy: tf.tensor4d(dy, dyShape), filter: tf.tensor4d(filter, filterShape) },
            { ...attrs, inputShape: xShape },
          ),
      ]);
    },
  );

  it('refuses a channel multiplier other than 1 with a clear message', async () => {
    await tf.setBackend('wasm');
    expect(() =>
      tf.tidy(() =>
        tf
          .engine()
          .runKernel(
            tf.DepthwiseConv2dNativeBackpropInput,
            { dy: tf.zeros([1, 4, 4, 4]), filter: tf.zeros([3, 3, 2, 2]) },
            { strides: [1, 1], pad: 'same', dilations: [1, 1], inputShape: [1, 4, 4, 2] },
          ),
      ),
    ).toThrow(/channel multiplier 1/);
  });
});

describe('wasm reductions and identity match the cpu backend', () => {
  it('sums and averages over leading axes, with and without keepDims, and elsewhere', async () => {
    const values = randomValues(17 * 5 * 6 * 3, 7);
    await expectParity(() => {
      const x = tf.tensor4d(values, [17, 5, 6, 3]);
      return [
        tf.sum(x, [0, 1, 2]),
        tf.mean(x, [0, 1, 2]),
        tf.sum(x, [0, 1], true),
        tf.mean(x, 0),
        tf.sum(x, [1, 2]),
        tf.mean(x),
        tf.sum(x, [2, 0]),
      ];
    }, 1e-5);
  });

  it('casts to the same dtype without copying and to another dtype by value', async () => {
    const values = randomValues(24, 9);
    await expectParity(() => {
      const x = tf.tensor2d(values, [4, 6]);
      return [tf.cast(x, 'float32'), tf.cast(tf.cast(tf.mul(x, 10), 'int32'), 'float32')];
    }, 0);
  });

  it('multiplies matrices with either operand transposed, batched and not', async () => {
    const left = randomValues(3 * 7 * 5, 11);
    const right = randomValues(3 * 5 * 4, 12);
    await expectParity(() => {
      const a = tf.tensor3d(left, [3, 7, 5]);
      const b = tf.tensor3d(right, [3, 5, 4]);
      const aTransposed = tf.transpose(a, [0, 2, 1]);
      const bTransposed = tf.transpose(b, [0, 2, 1]);
      return [
        tf.matMul(a, b),
        tf.matMul(aTransposed, b, true, false),
        tf.matMul(a, bTransposed, false, true),
        tf.matMul(aTransposed, bTransposed, true, true),
        tf.matMul(tf.reshape(a, [21, 5]), tf.reshape(a, [21, 5]), true, false),
      ];
    }, 1e-5);
  });

  it('slices, unstacks and splits along every axis, contiguous blocks or not, for each dtype', async () => {
    const values = randomValues(5 * 4 * 3 * 6, 17);
    await expectParity(() => {
      const x = tf.tensor4d(values, [5, 4, 3, 6]);
      const integers = tf.cast(tf.mul(x, 10), 'int32');
      const flags = tf.greater(x, 0);
      return [
        tf.slice(x, [1, 0, 0, 0], [3, 4, 3, 6]),
        tf.slice(x, [0, 1, 0, 2], [5, 2, 3, 3]),
        tf.slice(x, [2, 3, 1, 5], [1, 1, 2, 1]),
        tf.slice(x, [0, 0, 0, 0], [5, 4, 3, 0]),
        ...[0, 1, 2, 3].flatMap((axis) => tf.unstack(x, axis)),
        ...tf.split(x, [1, 3], 1),
        ...tf.split(x, 3, 3),
        ...tf.split(tf.reshape(x, [20, 18]), [5, 13], 1),
        tf.cast(tf.slice(integers, [1, 1, 0, 1], [2, 2, 3, 4]), 'float32'),
        tf.cast(tf.slice(flags, [0, 2, 1, 0], [4, 2, 1, 6]), 'float32'),
        ...tf.unstack(integers, 2).map((part) => tf.cast(part, 'float32')),
      ];
    }, 0);
  });

  it('clones without copying yet keeps the clone alive after its source is disposed', async () => {
    await tf.setBackend('wasm');
    const source = tf.tensor1d([1, 2, 3]);
    const copy = tf.clone(source);
    source.dispose();
    expect(Array.from(copy.dataSync())).toEqual([1, 2, 3]);
    copy.dispose();
  });
});

describe('wasm per-channel arithmetic and batch normalization match the cpu backend', () => {
  it('multiplies, adds and subtracts per-channel vectors on either side', async () => {
    const values = randomValues(17 * 4 * 5 * 6, 13);
    const vector = randomValues(6, 14);
    await expectParity(() => {
      const x = tf.tensor4d(values, [17, 4, 5, 6]);
      const channels = tf.tensor1d(vector);
      const keptDims = tf.reshape(channels, [1, 1, 1, 6]);
      return [
        tf.mul(x, channels),
        tf.mul(keptDims, x),
        tf.add(x, keptDims),
        tf.add(channels, x),
        tf.sub(x, channels),
        tf.sub(keptDims, x),
        tf.sub(tf.tensor2d(values.subarray(0, 60), [10, 6]), channels),
        tf.mul(x, x),
        tf.add(x, 2),
      ];
    }, 1e-6);
  });

  it('normalizes with per-channel statistics, with and without scale and offset', async () => {
    const values = randomValues(17 * 4 * 5 * 6, 15);
    const [mean, variance, offset, scale] = [16, 17, 18, 19].map((seed) => randomValues(6, seed));
    await expectParity(() => {
      const x = tf.add(tf.mul(tf.tensor4d(values, [17, 4, 5, 6]), 3), 5);
      const positive = tf.add(tf.abs(tf.tensor1d(variance ?? [])), 0.5);
      return [
        tf.batchNorm(
          x,
          tf.tensor1d(mean ?? []),
          positive,
          tf.tensor1d(offset ?? []),
          tf.tensor1d(scale ?? []),
          1e-3,
        ),
        tf.batchNorm(x, tf.tensor1d(mean ?? []), positive),
        tf.batchNorm(
          x,
          tf.reshape(tf.tensor1d(mean ?? []), [1, 1, 1, 6]),
          tf.reshape(positive, [1, 1, 1, 6]),
        ),
      ];
    });
  });

  it('gives the batch-norm gradient of the same computation written with elementary ops', async () => {
    const values = randomValues(6 * 3 * 4 * 5, 21);
    const [offsetValues, scaleValues] = [22, 23].map((seed) => randomValues(5, seed));
    const weights = randomValues(6 * 3 * 4 * 5, 24);
    for (const backend of ['cpu', 'wasm'] as const) {
      const reference = () => {
        const gradients = tf.grads((x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) => {
          const { mean, variance } = tf.moments(x, [0, 1, 2]);
          const normalized = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5)));
          return tf.sum(
            tf.mul(tf.add(tf.mul(normalized, scale), offset), tf.tensor4d(weights, [6, 3, 4, 5])),
          );
        });
        return gradients([
          tf.tensor4d(values, [6, 3, 4, 5]),
          tf.tensor1d(scaleValues ?? []),
          tf.tensor1d(offsetValues ?? []),
        ]);
      };
      const fused = () => {
        const gradients = tf.grads((x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor) => {
          const { mean, variance } = tf.moments(x, [0, 1, 2]);
          const normalized = tf.batchNorm(x, mean, variance, offset, scale, 1e-5);
          return tf.sum(tf.mul(normalized, tf.tensor4d(weights, [6, 3, 4, 5])));
        });
        return gradients([
          tf.tensor4d(values, [6, 3, 4, 5]),
          tf.tensor1d(scaleValues ?? []),
          tf.tensor1d(offsetValues ?? []),
        ]);
      };
      const expected = await onBackend(backend, reference);
      const actual = await onBackend(backend, fused);
      actual.forEach((result, index) => {
        const wanted = expected[index];
        if (wanted === undefined) throw new Error(`no reference gradient ${index}`);
        expect(relativeError(result, wanted)).toBeLessThanOrEqual(1e-4);
      });
    }
  });
});

describe('a conv-BN-ReLU network trains on wasm with the gradients of the cpu backend', () => {
  it('gives every trainable weight the same gradient on both backends', async () => {
    await tf.setBackend('cpu');
    const input = tf.input({ shape: [8, 8, 3] });
    const convolve = (filters: number, kernelSize: number, strides: number, name: string) =>
      tf.layers.conv2d({
        filters,
        kernelSize,
        strides,
        padding: 'same',
        useBias: false,
        name,
        kernelInitializer: tf.initializers.glorotNormal({ seed: name.length }),
      });
    const normalize = (name: string) => tf.layers.batchNormalization({ epsilon: 1e-5, momentum: 0.9, name });
    const relu = () => tf.layers.activation({ activation: 'relu' });
    let trunk = relu().apply(
      normalize('bn1').apply(convolve(6, 3, 1, 'conv1').apply(input)),
    ) as tf.SymbolicTensor;
    trunk = normalize('bn2').apply(convolve(8, 3, 2, 'conv2').apply(trunk)) as tf.SymbolicTensor;
    const shortcut = normalize('bn3').apply(convolve(8, 1, 2, 'shortcut').apply(input)) as tf.SymbolicTensor;
    const merged = relu().apply(tf.layers.add().apply([trunk, shortcut])) as tf.SymbolicTensor;
    const pooled = tf.layers.globalAveragePooling2d({}).apply(merged) as tf.SymbolicTensor;
    const logits = tf.layers
      .dense({ units: 4, kernelInitializer: tf.initializers.glorotNormal({ seed: 3 }) })
      .apply(pooled) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: logits });
    const weights = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
    const images = randomValues(5 * 8 * 8 * 3, 11);
    const labels = [0, 3, 1, 2, 3];
    const gradients = () => {
      const { grads } = tf.variableGrads(() => {
        const output = model.apply(tf.tensor4d(images, [5, 8, 8, 3]), { training: true }) as tf.Tensor;
        return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 4), output);
      }, weights);
      return weights.map((weight) => grads[weight.name] ?? tf.scalar(Number.NaN));
    };
    const expected = await onBackend('cpu', gradients);
    const actual = await onBackend('wasm', gradients);
    expect(actual).toHaveLength(weights.length);
    expect(weights.length).toBe(11);
    actual.forEach((result, index) => {
      const reference = expected[index];
      if (reference === undefined) throw new Error(`cpu returned no gradient ${index}`);
      expect(relativeError(result, reference)).toBeLessThanOrEqual(1e-4);
    });
    model.dispose();
  });
});

describe("the edge backbones' layers train on wasm with the gradients of the cpu backend", () => {
  it('gives the same gradients through depthwise convolutions, max pooling, channel halves and shuffles', async () => {
    await tf.setBackend('cpu');
    const seeds = new SeedSequence(5);
    const input = tf.input({ shape: [9, 9, 4] });
    let features = convolution(input, { filters: 8, kernelSize: 1, stride: 1, name: 'expand', seeds });
    features = depthwiseConvolution(features, { stride: 2, name: 'depthwise_strided', seeds });
    features = batchNorm(features, 'depthwise_bn');
    const [kept, transformed] = channelHalves(features, 'split');
    const branch = relu(depthwiseConvolution(transformed, { stride: 1, name: 'depthwise', seeds }), 'relu');
    features = channelShuffle(concatenate([kept, branch], 'concat'), 2, 'shuffle');
    features = maxPool(
      convolution(features, { filters: 6, kernelSize: 3, stride: 1, name: 'conv', seeds, bias: true }),
      'pool',
    );
    const model = tf.model({ inputs: input, outputs: classifierHead(features, 3, seeds) });
    const weights = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
    const images = randomValues(3 * 9 * 9 * 4, 21);
    const gradients = () => {
      const { grads } = tf.variableGrads(() => {
        const output = model.apply(tf.tensor4d(images, [3, 9, 9, 4]), { training: true }) as tf.Tensor;
        return tf.losses.softmaxCrossEntropy(tf.oneHot([0, 2, 1], 3), output);
      }, weights);
      return weights.map((weight) => grads[weight.name] ?? tf.scalar(Number.NaN));
    };
    const expected = await onBackend('cpu', gradients);
    const actual = await onBackend('wasm', gradients);
    expect(actual).toHaveLength(9);
    actual.forEach((result, index) => {
      const reference = expected[index];
      if (reference === undefined) throw new Error(`cpu returned no gradient ${index}`);
      expect(relativeError(result, reference)).toBeLessThanOrEqual(1e-4);
    });
    model.dispose();
  });
});

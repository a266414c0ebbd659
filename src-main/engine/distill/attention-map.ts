import * as tf from '@tensorflow/tfjs';

/** Spatial size of a map: height and width. */
export type Resolution = readonly [height: number, width: number];

/** Squared activations averaged over channels, flattened over positions: (B,H,W,C) → (B, H·W). */
export function energyMap(tap: tf.Tensor4D): tf.Tensor2D {
  const [batch, height, width] = tap.shape;
  return tf.reshape(tf.mean(tf.square(tap), 3), [batch, height * width]);
}

/** A tap's channel means (B, C), the input of AFD's and RTK's projections. */
export function channelMeans(tap: tf.Tensor4D): tf.Tensor2D {
  return tf.mean<tf.Tensor2D>(tap, [1, 2]);
}

/**
 * Maps divided by their L2 norm over the last axis, as torch.nn.functional.normalize (norm clamped at
 * 1e-12): rows of (B, H·W), or of (B, N, H·W) for stacked maps.
 */
export function l2NormalizeRows<T extends tf.Tensor2D | tf.Tensor3D>(maps: T): T {
  // Clamping the squared norm before the square root keeps the gradient finite for an all-zero row.
  const norms = tf.sqrt(tf.maximum(tf.sum(tf.square(maps), -1, true), 1e-24));
  return tf.div<T>(maps, norms);
}

/** The attention map of method.md §2: A(F) = l2normalize_over_HW(mean_over_C(F²)) → (B, H·W). */
export function attentionMap(tap: tf.Tensor4D): tf.Tensor2D {
  return l2NormalizeRows(energyMap(tap));
}

function poolingWeights(from: number, to: number): { start: number; end: number }[] {
  const windows: { start: number; end: number }[] = [];
  for (let index = 0; index < to; index += 1) {
    windows.push({ start: Math.floor((index * from) / to), end: Math.ceil(((index + 1) * from) / to) });
  }
  return windows;
}

/**
 * The (from H·W, to H·W) matrix of adaptive average pooling as torch's AdaptiveAvgPool2d: block averages
 * when shrinking, nearest replication when growing by a whole factor.
 */
export function adaptivePoolingMatrix(from: Resolution, to: Resolution): Float32Array {
  const rows = poolingWeights(from[0], to[0]);
  const columns = poolingWeights(from[1], to[1]);
  const inputs = from[0] * from[1];
  const outputs = to[0] * to[1];
  const matrix = new Float32Array(inputs * outputs);
  rows.forEach((row, outputRow) => {
    columns.forEach((column, outputColumn) => {
      const output = outputRow * to[1] + outputColumn;
      const weight = 1 / ((row.end - row.start) * (column.end - column.start));
      for (let inputRow = row.start; inputRow < row.end; inputRow += 1) {
        for (let inputColumn = column.start; inputColumn < column.end; inputColumn += 1) {
          matrix[(inputRow * from[1] + inputColumn) * outputs + output] = weight;
        }
      }
    });
  });
  return matrix;
}

const poolingMatrices = new Map<string, Float32Array>();

/** Pools flattened maps (B, from H·W) to (B, to H·W); returns the input itself when sizes agree. */
export function poolMaps(maps: tf.Tensor2D, from: Resolution, to: Resolution): tf.Tensor2D {
  if (from[0] === to[0] && from[1] === to[1]) return maps;
  const key = `${from.join('x')}>${to.join('x')}`;
  let values = poolingMatrices.get(key);
  if (values === undefined) {
    values = adaptivePoolingMatrix(from, to);
    poolingMatrices.set(key, values);
  }
  return tf.matMul(maps, tf.tensor2d(values, [from[0] * from[1], to[0] * to[1]]));
}

/**
 * Pools stacked flattened maps (B, N, from H·W) to (B, N, to H·W) as poolMaps does. Whole-factor sizes, the
 * only ones between stages of our backbones, go through average pooling or nearest-neighbour resizing,
 * which give the same numbers as the pooling matrix at a small part of its cost.
 */
export function poolMapStack(maps: tf.Tensor3D, from: Resolution, to: Resolution): tf.Tensor3D {
  if (from[0] === to[0] && from[1] === to[1]) return maps;
  const [batch, count, size] = maps.shape;
  const images = (resolution: Resolution): tf.Tensor4D =>
    tf.reshape<tf.Rank.R4>(maps, [batch * count, resolution[0], resolution[1], 1]);
  const flat = (pooled: tf.Tensor4D): tf.Tensor3D => tf.reshape(pooled, [batch, count, to[0] * to[1]]);
  if (from[0] % to[0] === 0 && from[1] % to[1] === 0) {
    const window: [number, number] = [from[0] / to[0], from[1] / to[1]];
    return flat(tf.avgPool(images(from), window, window, 'valid'));
  }
  if (to[0] % from[0] === 0 && to[1] % from[1] === 0) {
    // Each value repeated over its block by a broadcasting product, whose gradient sums the block; the
    // gradients of resizeNearestNeighbor and of a rank-5 tile do not serve here in TensorFlow.js.
    const blocks = tf.reshape(maps, [batch * count, from[0], 1, from[1], 1]);
    const repeated = tf.mul(blocks, tf.ones([1, 1, to[0] / from[0], 1, to[1] / from[1]]));
    return tf.reshape(repeated, [batch, count, to[0] * to[1]]);
  }
  const pooled = poolMaps(tf.reshape<tf.Rank.R2>(maps, [batch * count, size]), from, to);
  return tf.reshape(pooled, [batch, count, to[0] * to[1]]);
}

/** Adaptive average pooling of a feature tap (B,H,W,C) to another resolution, per channel. */
export function poolTap(tap: tf.Tensor4D, to: Resolution): tf.Tensor4D {
  const [batch, height, width, channels] = tap.shape;
  if (height === to[0] && width === to[1]) return tap;
  const byChannel = tf.reshape<tf.Rank.R2>(tf.transpose(tap, [0, 3, 1, 2]), [
    batch * channels,
    height * width,
  ]);
  const pooled = poolMaps(byChannel, [height, width], to);
  return tf.transpose(tf.reshape(pooled, [batch, channels, to[0], to[1]]), [0, 2, 3, 1]);
}

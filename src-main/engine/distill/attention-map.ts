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

/** A tap's channel means (B, C) and energy map (B, H·W), what AFD and RTK read of it. */
export interface TapSummary {
  readonly means: tf.Tensor2D;
  readonly energy: tf.Tensor2D;
}

/**
 * channelMeans and energyMap of a trained tap as one operation with a hand-written gradient,
 * ∂/∂F = ∂means/(H·W) + ∂energy·2F/C, broadcast. The channel means come from one average pooling over a
 * (B, H·W, 1, C) view; built from generic reductions, the two summaries and their gradients cost several
 * times more on the wasm backend (transposes, filled arrays and a separate gradient per reduction).
 */
export function tapSummary(tap: tf.Tensor4D): TapSummary {
  const [batch, height, width, channels] = tap.shape;
  const area = height * width;
  const joined = tf.customGrad((input, save) => {
    const x = input as tf.Tensor4D;
    (save as tf.GradSaveFunc)([x]);
    const means = tf.reshape<tf.Rank.R2>(
      tf.avgPool(tf.reshape<tf.Rank.R4>(x, [batch, area, 1, channels]), [area, 1], 1, 'valid'),
      [batch, channels],
    );
    return {
      value: tf.concat<tf.Tensor2D>([means, energyMap(x)], 1),
      gradFunc: (gradient: tf.Tensor2D, saved: tf.Tensor[]) => {
        const [fromMeans, fromEnergy] = tf.split(gradient, [channels, area], 1);
        const [features] = saved;
        if (fromMeans === undefined || fromEnergy === undefined || features === undefined) {
          throw new Error('The tap summary gradient lost its inputs.');
        }
        return tf.add(
          tf.mul(features, tf.reshape(tf.mul(fromEnergy, 2 / channels), [batch, height, width, 1])),
          tf.reshape(tf.div(fromMeans, area), [batch, 1, 1, channels]),
        );
      },
    };
  })(tap);
  const [means, energy] = tf.split(joined, [channels, area], 1) as [tf.Tensor2D, tf.Tensor2D];
  return { means, energy };
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

/** Whole factors (height, width) by which `from` divides into `to`, or null. */
export function shrinkFactors(from: Resolution, to: Resolution): [number, number] | null {
  return from[0] % to[0] === 0 && from[1] % to[1] === 0 ? [from[0] / to[0], from[1] / to[1]] : null;
}

/**
 * Block averages of stacked images (N, H, W, 1) over whole-factor windows, with the gradient written as a
 * nearest-neighbour enlargement of dy: the wasm backend's own AvgPoolGrad costs as much as the rest of the
 * distance computation.
 */
function blockMeans(images: tf.Tensor4D, window: [number, number]): tf.Tensor4D {
  const [, height, width] = images.shape;
  return tf.customGrad((input) => ({
    value: tf.avgPool(input as tf.Tensor4D, window, window, 'valid'),
    gradFunc: (gradient: tf.Tensor4D) =>
      tf.div(tf.image.resizeNearestNeighbor(gradient, [height, width]), window[0] * window[1]),
  }))(images);
}

/**
 * Pools stacked flattened maps (B, N, from H·W) to (B, N, to H·W) as poolMaps does. Shrinking by whole
 * factors, the case between stages of our backbones, goes through block averages, which give the same
 * numbers as the pooling matrix at a small part of its cost.
 */
export function poolMapStack(maps: tf.Tensor3D, from: Resolution, to: Resolution): tf.Tensor3D {
  if (from[0] === to[0] && from[1] === to[1]) return maps;
  const [batch, count, size] = maps.shape;
  const window = shrinkFactors(from, to);
  if (window !== null) {
    const images = tf.reshape<tf.Rank.R4>(maps, [batch * count, from[0], from[1], 1]);
    return tf.reshape(blockMeans(images, window), [batch, count, to[0] * to[1]]);
  }
  const pooled = poolMaps(tf.reshape<tf.Rank.R2>(maps, [batch * count, size]), from, to);
  return tf.reshape(pooled, [batch, count, to[0] * to[1]]);
}

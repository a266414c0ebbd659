import type * as tf from '@tensorflow/tfjs';
import type { ShuffleNetV2Architecture } from '../../../src-shared/domain/backbone-catalog.js';
import {
  batchNorm,
  channelHalves,
  channelShuffle,
  classifierHead,
  concatenate,
  convolution,
  depthwiseConvolution,
  relu,
  type SeedSequence,
} from './graph-layers.js';
import type { BackboneGraph } from './types.js';

/** Shuffle groups of every unit, as in the reference. */
const shuffleGroups = 2;

/** 1x1 conv-BN-ReLU. */
function pointwise(
  input: tf.SymbolicTensor,
  filters: number,
  name: string,
  seeds: SeedSequence,
): tf.SymbolicTensor {
  const conv = convolution(input, { filters, kernelSize: 1, stride: 1, name: `${name}_conv`, seeds });
  return relu(batchNorm(conv, `${name}_bn`), `${name}_relu`);
}

/** Depthwise 3x3 conv-BN (no ReLU, as in the reference). */
function depthwise(
  input: tf.SymbolicTensor,
  stride: 1 | 2,
  name: string,
  seeds: SeedSequence,
): tf.SymbolicTensor {
  return batchNorm(depthwiseConvolution(input, { stride, name: `${name}_conv`, seeds }), `${name}_bn`);
}

/**
 * The CIFAR ShuffleNetV2 (net size 1) of the KD benchmarks: 1x1 stem conv-BN-ReLU of 24 channels at full
 * resolution, three stages each opened by a stride-2 unit of two branches and followed by units that keep
 * one channel half and transform the other; every unit ends in a channel shuffle of two groups and is a
 * tap. Head: 1x1 conv-BN-ReLU, global average pool, dense.
 */
export function buildShuffleNetV2Graph(
  input: tf.SymbolicTensor,
  architecture: ShuffleNetV2Architecture,
  classes: number,
  seeds: SeedSequence,
): BackboneGraph {
  let features = pointwise(input, architecture.stemWidth, 'stem', seeds);
  const taps: tf.SymbolicTensor[] = [];
  architecture.stageWidths.forEach((width, stage) => {
    const half = width / 2;
    const down = `stage${stage + 1}_unit1`;
    const left = pointwise(
      depthwise(features, 2, `${down}_left_depthwise`, seeds),
      half,
      `${down}_left`,
      seeds,
    );
    let right = pointwise(features, half, `${down}_right_expand`, seeds);
    right = depthwise(right, 2, `${down}_right_depthwise`, seeds);
    right = pointwise(right, half, `${down}_right_project`, seeds);
    features = channelShuffle(concatenate([left, right], `${down}_concat`), shuffleGroups, `${down}_shuffle`);
    taps.push(features);
    for (let unit = 0; unit < (architecture.unitsPerStage[stage] ?? 0); unit += 1) {
      const prefix = `stage${stage + 1}_unit${unit + 2}`;
      const [kept, transformed] = channelHalves(features, `${prefix}_split`);
      let branch = pointwise(transformed, half, `${prefix}_expand`, seeds);
      branch = depthwise(branch, 1, `${prefix}_depthwise`, seeds);
      branch = pointwise(branch, half, `${prefix}_project`, seeds);
      features = channelShuffle(
        concatenate([kept, branch], `${prefix}_concat`),
        shuffleGroups,
        `${prefix}_shuffle`,
      );
      taps.push(features);
    }
  });
  features = pointwise(features, architecture.headWidth, 'head', seeds);
  return { taps, logits: classifierHead(features, classes, seeds) };
}

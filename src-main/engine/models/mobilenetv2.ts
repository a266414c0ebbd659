import type * as tf from '@tensorflow/tfjs';
import type { MobileNetV2Architecture } from '../../../src-shared/domain/backbone-catalog.js';
import {
  add,
  batchNorm,
  classifierHead,
  convolution,
  depthwiseConvolution,
  relu,
  type SeedSequence,
} from './graph-layers.js';
import type { BackboneGraph } from './types.js';

/**
 * The CIFAR MobileNetV2 of the KD benchmarks: stride-2 3x3 stem conv-BN-ReLU, inverted residuals (1x1
 * expansion conv-BN-ReLU, depthwise 3x3 conv-BN-ReLU, linear 1x1 conv-BN, identity shortcut where shapes
 * allow), 1x1 head conv-BN-ReLU, global average pool, dense. A tap is every block's output.
 */
export function buildMobileNetV2Graph(
  input: tf.SymbolicTensor,
  architecture: MobileNetV2Architecture,
  classes: number,
  seeds: SeedSequence,
): BackboneGraph {
  let features = convolution(input, {
    filters: architecture.stemWidth,
    kernelSize: 3,
    stride: 2,
    name: 'stem_conv',
    seeds,
  });
  features = relu(batchNorm(features, 'stem_bn'), 'stem_relu');

  const taps: tf.SymbolicTensor[] = [];
  architecture.blocks.forEach((block, index) => {
    const prefix = `block${index + 1}`;
    let branch = convolution(features, {
      filters: block.hiddenChannels,
      kernelSize: 1,
      stride: 1,
      name: `${prefix}_expand_conv`,
      seeds,
    });
    branch = relu(batchNorm(branch, `${prefix}_expand_bn`), `${prefix}_expand_relu`);
    branch = depthwiseConvolution(branch, { stride: block.stride, name: `${prefix}_depthwise_conv`, seeds });
    branch = relu(batchNorm(branch, `${prefix}_depthwise_bn`), `${prefix}_depthwise_relu`);
    branch = convolution(branch, {
      filters: block.outChannels,
      kernelSize: 1,
      stride: 1,
      name: `${prefix}_project_conv`,
      seeds,
    });
    branch = batchNorm(branch, `${prefix}_project_bn`);
    features = block.residual ? add(branch, features, `${prefix}_add`) : branch;
    taps.push(features);
  });

  features = convolution(features, {
    filters: architecture.headWidth,
    kernelSize: 1,
    stride: 1,
    name: 'head_conv',
    seeds,
  });
  features = relu(batchNorm(features, 'head_bn'), 'head_relu');
  return { taps, logits: classifierHead(features, classes, seeds) };
}

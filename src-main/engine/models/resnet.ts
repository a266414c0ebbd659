import type * as tf from '@tensorflow/tfjs';
import { listBlocks, type ResidualArchitecture } from '../../../src-shared/domain/backbone-catalog.js';
import { add, batchNorm, classifierHead, convolution, relu, type SeedSequence } from './graph-layers.js';
import type { BackboneGraph } from './types.js';

/**
 * CIFAR ResNet (method.md §1): stem conv-BN-ReLU, BasicBlocks with a conv1x1-BN projection shortcut where
 * stride or width changes; a tap is the post-ReLU output of a tapped block.
 */
export function buildResnetGraph(
  input: tf.SymbolicTensor,
  architecture: ResidualArchitecture,
  classes: number,
  seeds: SeedSequence,
): BackboneGraph {
  let features = convolution(input, {
    filters: architecture.stemWidth,
    kernelSize: 3,
    stride: 1,
    name: 'stem_conv',
    seeds,
  });
  features = relu(batchNorm(features, 'stem_bn'), 'stem_relu');

  const taps: tf.SymbolicTensor[] = [];
  for (const block of listBlocks(architecture)) {
    const prefix = `stage${block.stage + 1}_block${block.block + 1}`;
    let branch = convolution(features, {
      filters: block.outChannels,
      kernelSize: 3,
      stride: block.stride,
      name: `${prefix}_conv1`,
      seeds,
    });
    branch = relu(batchNorm(branch, `${prefix}_bn1`), `${prefix}_relu1`);
    branch = convolution(branch, {
      filters: block.outChannels,
      kernelSize: 3,
      stride: 1,
      name: `${prefix}_conv2`,
      seeds,
    });
    branch = batchNorm(branch, `${prefix}_bn2`);
    const shortcut = block.projection
      ? batchNorm(
          convolution(features, {
            filters: block.outChannels,
            kernelSize: 1,
            stride: block.stride,
            name: `${prefix}_shortcut_conv`,
            seeds,
          }),
          `${prefix}_shortcut_bn`,
        )
      : features;
    features = relu(add(branch, shortcut, `${prefix}_add`), `${prefix}_out`);
    if (block.tapped) taps.push(features);
  }

  return { taps, logits: classifierHead(features, classes, seeds) };
}

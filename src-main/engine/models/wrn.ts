import type * as tf from '@tensorflow/tfjs';
import { listBlocks, type ResidualArchitecture } from '../../../src-shared/domain/backbone-catalog.js';
import { add, batchNorm, classifierHead, convolution, relu, type SeedSequence } from './graph-layers.js';
import type { BackboneGraph } from './types.js';

/**
 * Pre-activation WideResNet (method.md §1). A block's tap is ReLU(BN(out)) computed by whatever consumes
 * `out` next (the next block's first BN-ReLU, or the head's), so taps are tensors the forward pass computes
 * anyway and distillation sees exactly what the next layer sees.
 */
export function buildWrnGraph(
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

  const taps: tf.SymbolicTensor[] = [];
  let previousTapped = false;
  for (const block of listBlocks(architecture)) {
    const prefix = `stage${block.stage + 1}_block${block.block + 1}`;
    const activated = relu(batchNorm(features, `${prefix}_bn1`), `${prefix}_relu1`);
    if (previousTapped) taps.push(activated);
    let branch = convolution(activated, {
      filters: block.outChannels,
      kernelSize: 3,
      stride: block.stride,
      name: `${prefix}_conv1`,
      seeds,
    });
    branch = relu(batchNorm(branch, `${prefix}_bn2`), `${prefix}_relu2`);
    branch = convolution(branch, {
      filters: block.outChannels,
      kernelSize: 3,
      stride: 1,
      name: `${prefix}_conv2`,
      seeds,
    });
    const shortcut = block.projection
      ? convolution(activated, {
          filters: block.outChannels,
          kernelSize: 1,
          stride: block.stride,
          name: `${prefix}_shortcut_conv`,
          seeds,
        })
      : features;
    features = add(branch, shortcut, `${prefix}_add`);
    previousTapped = block.tapped;
  }

  const head = relu(batchNorm(features, 'head_bn'), 'head_relu');
  if (previousTapped) taps.push(head);
  return { taps, logits: classifierHead(head, classes, seeds) };
}

import type * as tf from '@tensorflow/tfjs';
import { vggPoolsAfterBlock, type VggArchitecture } from '../../../src-shared/domain/backbone-catalog.js';
import { batchNorm, classifierHead, convolution, maxPool, relu, type SeedSequence } from './graph-layers.js';
import type { BackboneGraph } from './types.js';

/**
 * VGG with BatchNorm as in the KD benchmarks: five blocks of 3x3 conv (with bias)-BN-ReLU, a 2x2 max pool
 * after the first three blocks (and the fourth for 64-pixel inputs), global average pool, dense. A tap is
 * every conv-BN-ReLU output.
 */
export function buildVggGraph(
  input: tf.SymbolicTensor,
  architecture: VggArchitecture,
  classes: number,
  seeds: SeedSequence,
): BackboneGraph {
  const inputSize = input.shape[1];
  if (typeof inputSize !== 'number') throw new Error('A VGG needs a fixed input size.');
  let features = input;
  const taps: tf.SymbolicTensor[] = [];
  architecture.blockWidths.forEach((widths, block) => {
    widths.forEach((filters, index) => {
      const prefix = `block${block + 1}_conv${index + 1}`;
      const conv = convolution(features, {
        filters,
        kernelSize: 3,
        stride: 1,
        name: prefix,
        seeds,
        bias: true,
      });
      features = relu(batchNorm(conv, `${prefix}_bn`), `${prefix}_relu`);
      taps.push(features);
    });
    if (vggPoolsAfterBlock(block, inputSize)) features = maxPool(features, `block${block + 1}_pool`);
  });
  return { taps, logits: classifierHead(features, classes, seeds) };
}

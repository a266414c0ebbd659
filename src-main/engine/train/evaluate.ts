import * as tf from '@tensorflow/tfjs';
import type { BatchAssembler } from '../data/augment.js';
import { runBackbone } from '../models/index.js';
import type { Backbone } from '../models/types.js';

/** Accuracy and loss of a model on a whole split. */
export interface EvaluationMetrics {
  /** Mean cross-entropy. */
  readonly loss: number;
  readonly top1: number;
  /** Top-5 accuracy (top-k with k = classes when there are fewer than 5 classes). */
  readonly top5: number;
  /** Top-1 accuracy of each class, in class order; null for a class the split does not contain. */
  readonly perClass: readonly (number | null)[];
}

/** Evaluates `backbone` in inference mode on every image the assembler's split holds. */
export async function evaluate(
  backbone: Backbone,
  assembler: BatchAssembler,
  batchSize: number,
): Promise<EvaluationMetrics> {
  const split = assembler.split;
  const classes = backbone.classes;
  const k = Math.min(5, classes);
  const [height, width, channels] = split.shape;
  const images = new Float32Array(batchSize * assembler.imageSize);
  const labels = new Int32Array(batchSize);
  const indices = new Uint32Array(split.count).map((_, index) => index);
  const correctByClass = new Float64Array(classes);
  const countByClass = new Float64Array(classes);
  let lossSum = 0;
  let top1 = 0;
  let top5 = 0;
  for (let start = 0; start < split.count; start += batchSize) {
    const size = Math.min(batchSize, split.count - start);
    assembler.assemble(indices.subarray(start, start + size), images, labels);
    const [lossTensor, topTensor] = tf.tidy(() => {
      const input = tf.tensor4d(images.subarray(0, size * assembler.imageSize), [
        size,
        height,
        width,
        channels,
      ]);
      const logits = runBackbone(backbone, input, false).logits;
      const target = tf.oneHot(tf.tensor1d(labels.subarray(0, size), 'int32'), classes);
      const loss = tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits))));
      return [loss, tf.topk(logits, k).indices];
    });
    const [lossValue, topValues] = await Promise.all([lossTensor.data(), topTensor.data()]);
    tf.dispose([lossTensor, topTensor]);
    lossSum += lossValue[0] ?? 0;
    for (let slot = 0; slot < size; slot += 1) {
      const label = labels[slot] ?? 0;
      countByClass[label] = (countByClass[label] ?? 0) + 1;
      if (topValues[slot * k] === label) {
        top1 += 1;
        correctByClass[label] = (correctByClass[label] ?? 0) + 1;
      }
      for (let rank = 0; rank < k; rank += 1) {
        if (topValues[slot * k + rank] === label) {
          top5 += 1;
          break;
        }
      }
    }
  }
  const count = Math.max(split.count, 1);
  return {
    loss: lossSum / count,
    top1: top1 / count,
    top5: top5 / count,
    perClass: Array.from(countByClass, (total, label) =>
      total > 0 ? (correctByClass[label] ?? 0) / total : null,
    ),
  };
}

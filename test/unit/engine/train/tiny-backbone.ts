import * as tf from '@tensorflow/tfjs';
import type { ImageShape } from '../../../../src-main/engine/data/types.js';
import type { Backbone, FeatureTap } from '../../../../src-main/engine/models/types.js';

/**
 * A tiny conv net shaped like our backbones (feature taps then logits as outputs, reference BatchNorm), so
 * losses and the trainer can be tested fast on any backend: taps (H,W,4) in stage 0, then two (H/2,W/2,6)
 * in stage 1.
 */
export function buildTinyBackbone(
  inputShape: ImageShape,
  classes: number,
  seed: number,
  width = 4,
): Backbone {
  const [height, widthPixels] = inputShape;
  const input = tf.input({ shape: [...inputShape] });
  const conv = (filters: number, strides: number, index: number): tf.layers.Layer =>
    tf.layers.conv2d({
      filters,
      kernelSize: 3,
      strides,
      padding: 'same',
      useBias: false,
      kernelInitializer: tf.initializers.glorotUniform({ seed: seed + index }),
    });
  const batchNorm = (): tf.layers.Layer => tf.layers.batchNormalization({ epsilon: 1e-5, momentum: 0.9 });
  const symbolic = (
    value: tf.SymbolicTensor | tf.SymbolicTensor[] | tf.Tensor | tf.Tensor[],
  ): tf.SymbolicTensor => {
    if (!(value instanceof tf.SymbolicTensor)) throw new Error('expected one symbolic tensor');
    return value;
  };
  const tap0 = symbolic(tf.layers.reLU().apply(batchNorm().apply(conv(width, 1, 0).apply(input))));
  const tap1 = symbolic(tf.layers.reLU().apply(batchNorm().apply(conv(width + 2, 2, 1).apply(tap0))));
  const tap2 = symbolic(tf.layers.reLU().apply(batchNorm().apply(conv(width + 2, 1, 2).apply(tap1))));
  const pooled = tf.layers.globalAveragePooling2d({}).apply(tap2);
  const logits = symbolic(
    tf.layers
      .dense({ units: classes, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 3 }) })
      .apply(pooled),
  );
  const model = tf.model({ inputs: input, outputs: [tap0, tap1, tap2, logits] });
  const half: [number, number] = [Math.ceil(height / 2), Math.ceil(widthPixels / 2)];
  const taps: FeatureTap[] = [
    { index: 0, name: 'tap0', stage: 0, shape: [height, widthPixels, width] },
    { index: 1, name: 'tap1', stage: 1, shape: [half[0], half[1], width + 2] },
    { index: 2, name: 'tap2', stage: 1, shape: [half[0], half[1], width + 2] },
  ];
  const parameterCount = model.trainableWeights.reduce((sum, weight) => sum + weight.read().size, 0);
  return { name: `tiny-${seed}`, model, taps, inputShape, classes, parameterCount };
}

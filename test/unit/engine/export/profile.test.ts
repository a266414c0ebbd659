import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { peakActivationBytes, profileModel } from '../../../../src-main/engine/export/profile.js';
import { logitsModel } from '../../../../src-main/engine/export/student-model.js';
import { randomizedBackbone } from './export-fixtures.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('profileModel', () => {
  it('reports counts, sizes per precision, peak activations and measured latency', async () => {
    const backbone = randomizedBackbone('resnet8', 21);
    try {
      const profile = await profileModel(logitsModel(backbone.model), 'resnet8', { producerVersion: 't' });
      // Counted by hand for ResNet-8, 4 classes, 16×16×3: 77,652 trainable values (3×3 convolutions, BatchNorm
      // scales and offsets, two 1×1 projections with their BatchNorm, the classifier), 672 moving statistics
      // (336 BatchNorm channels), 3,125,504 multiply-adds (the convolutions at 16×16, 8×8, 4×4 and the classifier).
      expect(profile.parameterCount).toBe(77_652);
      expect(backbone.model.countParams()).toBe(77_652 + 672);
      expect(profile.macsPerImage).toBe(3_125_504);
      expect(profile.fileBytes.float32).toBe((77_652 + 672) * 4);
      expect(profile.fileBytes.float16).toBe((77_652 + 672) * 2);
      expect(profile.fileBytes.onnx).toBeGreaterThan(77_652 * 4 * 0.9);
      // In a ResNet block at 16x16x16 the residual input, the branch and the sum are alive together.
      expect(profile.peakActivationBytes).toBeGreaterThanOrEqual(3 * 16 * 16 * 16 * 4);
      expect(profile.peakActivationBytes).toBeLessThan(6 * 16 * 16 * 16 * 4);
      expect(profile.latency.onnxRuntime.runs).toBe(50);
      expect(profile.latency.tfjs.runs).toBe(50);
      expect(profile.latency.onnxRuntime.medianMilliseconds).toBeGreaterThan(0);
      expect(profile.latency.tfjs.p90Milliseconds).toBeGreaterThanOrEqual(
        profile.latency.tfjs.medianMilliseconds,
      );
    } finally {
      backbone.model.dispose();
    }
  });

  it('counts only tensors alive together', () => {
    const input = tf.input({ shape: [4, 4, 2] });
    const first = tf.layers.reLU({ name: 'first' }).apply(input) as tf.SymbolicTensor;
    const second = tf.layers.reLU({ name: 'second' }).apply(first) as tf.SymbolicTensor;
    const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(second) as tf.SymbolicTensor;
    const logits = tf.layers.dense({ units: 3, name: 'dense' }).apply(pooled) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: logits });
    // A chain keeps one input and one output alive at a time: 2 maps of 4·4·2 floats.
    expect(peakActivationBytes(model)).toBe(2 * 32 * 4);
    model.dispose();
  });
});

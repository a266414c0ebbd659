import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeBackbone } from '../../../../src-shared/domain/backbone-catalog.js';
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
      const description = describeBackbone('resnet8', { classes: 4, inputShape: [16, 16, 3] });
      expect(profile.parameterCount).toBe(description.parameterCount);
      expect(profile.macsPerImage).toBe(description.macsPerImage);
      expect(profile.fileBytes.float32).toBe(description.float32Bytes);
      expect(profile.fileBytes.float16).toBe(description.float32Bytes / 2);
      expect(profile.fileBytes.onnx).toBeGreaterThan(description.parameterCount * 4 * 0.9);
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

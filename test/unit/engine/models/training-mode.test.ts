import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBackbone, runBackbone } from '../../../../src-main/engine/models/index.js';
import type { Backbone } from '../../../../src-main/engine/models/index.js';

// The cpu backend's Conv2DBackpropFilter is slow and wasm has none, so these run the smallest
// architectures of each family on 16x16 inputs.

function symbolicOutput(backbone: Backbone, layerName: string): tf.SymbolicTensor {
  const output = backbone.model.getLayer(layerName).output;
  if (Array.isArray(output)) throw new Error(`${layerName} has several outputs`);
  return output;
}

function weightValues(backbone: Backbone, layerName: string): Float32Array[] {
  return backbone.model
    .getLayer(layerName)
    .getWeights()
    .map((weight) => weight.dataSync<'float32'>());
}

function batchNormLayers(backbone: Backbone): string[] {
  return backbone.model.layers
    .filter((layer) => layer.getClassName() === 'BatchNormalization')
    .map((layer) => layer.name);
}

function crossEntropy(backbone: Backbone, input: tf.Tensor4D, labels: tf.Tensor2D): tf.Scalar {
  const { logits } = runBackbone(backbone, input, true);
  return tf.losses.softmaxCrossEntropy(labels, logits).asScalar();
}

type GradientFunction = (
  optimizer: tf.Optimizer,
  loss: () => tf.Scalar,
) => { value: tf.Scalar; grads: tf.NamedTensorMap };
const viaVariableGrads: GradientFunction = (_optimizer, loss) => tf.variableGrads(loss);
const viaOptimizer: GradientFunction = (optimizer, loss) => optimizer.computeGradients(loss);

describe.each([
  ['resnet8', 'stem_bn', 'optimizer.computeGradients', viaOptimizer],
  ['wrn-10-1', 'stage1_block1_bn1', 'tf.variableGrads', viaVariableGrads],
])('training %s through model.apply', (name, firstBatchNorm, gradientPath, computeGradients) => {
  let backbone: Backbone;
  let input: tf.Tensor4D;
  let labels: tf.Tensor2D;

  beforeAll(async () => {
    await tf.setBackend('cpu');
    backbone = buildBackbone(name, { classes: 5, inputShape: [16, 16, 3], seed: 11 });
    input = tf.randomNormal([2, 16, 16, 3], 0.5, 2, 'float32', 5);
    labels = tf.tensor2d([
      [1, 0, 0, 0, 0],
      [0, 0, 0, 1, 0],
    ]);
  });
  afterAll(() => {
    backbone.model.dispose();
    tf.dispose([input, labels]);
  });

  it(`gives gradients for every trainable weight through ${gradientPath} and updates each BN moving statistic exactly once`, () => {
    const optimizer = tf.train.sgd(0.1);
    const tensorsBefore = tf.memory().numTensors;
    const stemConv = tf.model({
      inputs: backbone.model.inputs,
      outputs: symbolicOutput(backbone, 'stem_conv'),
    });
    const { mean, variance } = tf.tidy(() => tf.moments(stemConv.predict(input) as tf.Tensor4D, [0, 1, 2]));
    const before = batchNormLayers(backbone).map((layer) => weightValues(backbone, layer));

    const { value, grads } = computeGradients(optimizer, () => crossEntropy(backbone, input, labels));

    const trainableNames = backbone.model.trainableWeights.map((weight) => weight.name).sort();
    expect(Object.keys(grads).sort()).toEqual(trainableNames);
    for (const [variableName, gradient] of Object.entries(grads)) {
      const magnitude = tf.tidy(() => gradient.abs().sum().dataSync()[0] ?? 0);
      expect(Number.isFinite(magnitude), variableName).toBe(true);
      expect(magnitude, variableName).toBeGreaterThan(0);
    }

    // moving = 0.9·moving + 0.1·batch statistic; a second update would give 0.19·mean.
    const [, , movingMean, movingVariance] = weightValues(backbone, firstBatchNorm);
    const batchVariance = variance.dataSync();
    mean.dataSync().forEach((channelMean, channel) => {
      expect(movingMean?.[channel]).toBeCloseTo(0.1 * channelMean, 5);
      expect(movingVariance?.[channel]).toBeCloseTo(0.9 + 0.1 * (batchVariance[channel] ?? 0), 5);
    });
    batchNormLayers(backbone).forEach((layer, index) => {
      const [, , oldMean, oldVariance] = before[index] ?? [];
      const [, , newMean, newVariance] = weightValues(backbone, layer);
      expect(newMean, layer).not.toEqual(oldMean);
      expect(newVariance, layer).not.toEqual(oldVariance);
    });

    const kernelBefore = weightValues(backbone, 'stem_conv')[0];
    optimizer.applyGradients(grads);
    expect(weightValues(backbone, 'stem_conv')[0]).not.toEqual(kernelBefore);
    tf.dispose([value, mean, variance, ...Object.values(grads)]);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    optimizer.dispose();
  });

  it('uses and keeps the moving statistics when training is false', () => {
    const statisticsBefore = batchNormLayers(backbone).map((layer) => weightValues(backbone, layer));
    const first = runBackbone(backbone, input, false);
    const second = runBackbone(backbone, input, false);
    expect(second.logits.dataSync()).toEqual(first.logits.dataSync());
    expect(batchNormLayers(backbone).map((layer) => weightValues(backbone, layer))).toEqual(statisticsBefore);

    const batchNormOutput = symbolicOutput(backbone, firstBatchNorm);
    const probe = tf.model({
      inputs: backbone.model.inputs,
      outputs: [symbolicOutput(backbone, 'stem_conv'), batchNormOutput],
    });
    const [gamma, beta, movingMean, movingVariance] = backbone.model.getLayer(firstBatchNorm).getWeights();
    const [bnInput, bnOutput] = probe.predict(input) as tf.Tensor4D[];
    if (!gamma || !beta || !movingMean || !movingVariance || !bnInput || !bnOutput) {
      throw new Error(`missing tensors of ${firstBatchNorm}`);
    }
    const error = tf.tidy(() => {
      const expected = bnInput.sub(movingMean).div(movingVariance.add(1e-5).sqrt()).mul(gamma).add(beta);
      return tf.max(tf.abs(expected.sub(bnOutput))).dataSync()[0];
    });
    expect(error).toBeLessThan(1e-4);
    tf.dispose([first.logits, ...first.taps, second.logits, ...second.taps, bnInput, bnOutput]);
  });
});

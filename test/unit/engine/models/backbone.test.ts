import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBackbone, runBackbone } from '../../../../src-main/engine/models/index.js';
import type { Backbone } from '../../../../src-main/engine/models/index.js';
import { describeBackbone } from '../../../../src-shared/domain/backbone-catalog.js';
import { edgeModelNames, edgeReference } from './edge-reference.js';
import { referenceParameterCounts } from './reference-table.js';
import { useWasmBackend } from './wasm-backend.js';

const cifar = [32, 32, 3] as const;

function layerOutput(backbone: Backbone, layerName: string): tf.SymbolicTensor {
  const output = backbone.model.getLayer(layerName).output;
  if (Array.isArray(output)) throw new Error(`${layerName} has several outputs`);
  return output;
}

describe('buildBackbone', () => {
  beforeAll(useWasmBackend);
  afterAll(() => tf.disposeVariables());

  it.each(referenceParameterCounts)('builds %s with the reference parameter counts', (name, at100, at10) => {
    for (const [classes, expected] of [
      [100, at100],
      [10, at10],
    ] as const) {
      const backbone = buildBackbone(name, { classes, inputShape: cifar, seed: 1 });
      const trainable = backbone.model.trainableWeights.reduce((sum, weight) => sum + weight.read().size, 0);
      expect(trainable).toBe(expected);
      expect(backbone.parameterCount).toBe(expected);
      expect(backbone.model.outputs).toHaveLength(backbone.taps.length + 1);
      backbone.model.dispose();
    }
  });

  it('declares the WRN-40-2 taps as the outputs of the next BN-ReLU', () => {
    const backbone = buildBackbone('wrn-40-2', { classes: 100, inputShape: cifar, seed: 1 });
    expect(backbone.taps).toHaveLength(18);
    expect(backbone.taps.map((tap) => tap.shape)).toEqual([
      ...Array<number[]>(6).fill([32, 32, 32]),
      ...Array<number[]>(6).fill([16, 16, 64]),
      ...Array<number[]>(6).fill([8, 8, 128]),
    ]);
    expect(backbone.model.outputs[0]).toBe(layerOutput(backbone, 'stage1_block2_relu1'));
    expect(backbone.model.outputs[5]).toBe(layerOutput(backbone, 'stage2_block1_relu1'));
    expect(backbone.model.outputs[16]).toBe(layerOutput(backbone, 'stage3_block6_relu1'));
    expect(backbone.model.outputs[17]).toBe(layerOutput(backbone, 'head_relu'));
    expect(backbone.model.outputs[18]).toBe(layerOutput(backbone, 'head_dense'));
    backbone.model.dispose();
  });

  it('taps the post-ReLU output of resnet blocks (resnet110: 27 taps, every second block)', () => {
    const backbone = buildBackbone('resnet110', { classes: 100, inputShape: cifar, seed: 1 });
    expect(backbone.taps).toHaveLength(27);
    expect(backbone.model.outputs[0]).toBe(layerOutput(backbone, 'stage1_block2_out'));
    expect(backbone.model.outputs[26]).toBe(layerOutput(backbone, 'stage3_block18_out'));
    backbone.model.dispose();
  });

  it('gives resnet8x4 a stride-1 projection shortcut from 32 to 64 channels', () => {
    const backbone = buildBackbone('resnet8x4', { classes: 100, inputShape: cifar, seed: 1 });
    const projection = backbone.model.getLayer('stage1_block1_shortcut_conv');
    expect(projection.getWeights()[0]?.shape).toEqual([1, 1, 32, 64]);
    expect(layerOutput(backbone, 'stage1_block1_shortcut_conv').shape).toEqual([null, 32, 32, 64]);
    backbone.model.dispose();
  });

  it('pads strided 3x3 convolutions symmetrically like the reference', () => {
    const backbone = buildBackbone('resnet8', { classes: 10, inputShape: cifar, seed: 1 });
    expect(backbone.model.getLayer('stage2_block1_conv1_pad').getConfig()).toMatchObject({
      padding: [
        [1, 1],
        [1, 1],
      ],
    });
    expect(backbone.model.getLayer('stage2_block1_conv1').getConfig()).toMatchObject({
      padding: 'valid',
      strides: [2, 2],
    });
    expect(backbone.model.getLayer('stem_bn').getConfig()).toMatchObject({ epsilon: 1e-5, momentum: 0.9 });
    backbone.model.dispose();
  });

  it('draws He-normal fan-out conv weights and gives the same weights for the same seed', () => {
    const first = buildBackbone('wrn-16-1', { classes: 10, inputShape: cifar, seed: 42 });
    const second = buildBackbone('wrn-16-1', { classes: 10, inputShape: cifar, seed: 42 });
    const other = buildBackbone('wrn-16-1', { classes: 10, inputShape: cifar, seed: 43 });
    // Comparing bytes keeps this fast; toEqual on 175k-element arrays takes seconds.
    const bytes = (backbone: Backbone): Buffer =>
      Buffer.concat(
        backbone.model.getWeights().map((weight) => Buffer.from(weight.dataSync<'float32'>().buffer)),
      );
    const firstBytes = bytes(first);
    expect(firstBytes.equals(bytes(second))).toBe(true);
    expect(firstBytes.equals(bytes(other))).toBe(false);
    // The catalog's float32 size is the size of every saved weight.
    expect(firstBytes.length).toBe(
      describeBackbone('wrn-16-1', { classes: 10, inputShape: cifar }).float32Bytes,
    );
    expect(first.model.weights.map((weight) => weight.originalName)).toEqual(
      second.model.weights.map((weight) => weight.originalName),
    );
    // Two convs of equal shape in one model must not share initial values.
    const conv1 = first.model.getLayer('stage3_block2_conv1').getWeights()[0]?.dataSync();
    const conv2 = first.model.getLayer('stage3_block2_conv2').getWeights()[0]?.dataSync();
    expect(conv1).not.toEqual(conv2);
    // 3·3·64·64 weights with std sqrt(2 / (9·64)) ≈ 0.0589.
    const kernel = first.model.getLayer('stage3_block2_conv2').getWeights()[0];
    const std = tf.tidy(
      () =>
        tf
          .moments(kernel ?? tf.zeros([1]))
          .variance.sqrt()
          .dataSync()[0],
    );
    expect(std).toBeCloseTo(Math.sqrt(2 / (9 * 64)), 2);
    for (const backbone of [first, second, other]) backbone.model.dispose();
  });

  it('names layers and weights stably', () => {
    const backbone = buildBackbone('resnet8', { classes: 10, inputShape: cifar, seed: 1 });
    expect(backbone.model.name).toBe('resnet8');
    expect(backbone.model.getLayer('stem_bn').weights.map((weight) => weight.originalName)).toEqual([
      'stem_bn/gamma',
      'stem_bn/beta',
      'stem_bn/moving_mean',
      'stem_bn/moving_variance',
    ]);
    expect(backbone.model.trainableWeights[0]?.originalName).toBe('stem_conv/kernel');
    expect(backbone.model.weights.at(-1)?.originalName).toBe('stage3_block1_shortcut_bn/moving_variance');
    backbone.model.dispose();
  });

  it('round-trips through tfjs save and load with the same weight names and outputs', async () => {
    const backbone = buildBackbone('wrn-10-1', { classes: 4, inputShape: [16, 16, 3], seed: 5 });
    let saved: tf.io.ModelArtifacts | undefined;
    await backbone.model.save(
      tf.io.withSaveHandler((artifacts) => {
        saved = artifacts;
        return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
      }),
    );
    if (!saved) throw new Error('nothing was saved');
    expect(saved.weightSpecs?.map((spec) => spec.name)).toContain('stage2_block1_shortcut_conv/kernel');
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(saved));
    expect(loaded.outputs).toHaveLength(backbone.taps.length + 1);
    const input = tf.randomNormal<tf.Rank.R4>([2, 16, 16, 3], 0, 1, 'float32', 3);
    const difference = tf.tidy(() => {
      const original = backbone.model.predict(input) as tf.Tensor[];
      const restored = loaded.predict(input) as tf.Tensor[];
      return Math.max(
        ...original.map(
          (output, index) => tf.max(tf.abs(output.sub(restored[index] ?? output))).dataSync()[0] ?? 1,
        ),
      );
    });
    expect(difference).toBe(0);
    tf.dispose(input);
    backbone.model.dispose();
    loaded.dispose();
  });

  it.each([
    ['wrn-13-2', { classes: 10, inputShape: cifar, seed: 1 }, /\(D-4\) divisible by 6, .*found 13/],
    ['resnet8', { classes: 1, inputShape: cifar, seed: 1 }, /classes must be an integer .* found 1/],
    ['resnet8', { classes: 10, inputShape: [12, 12, 3] as const, seed: 1 }, /found 12/],
    ['resnet8', { classes: 10, inputShape: [32, 32, 2] as const, seed: 1 }, /channels, found 2/],
    ['resnet8', { classes: 10, inputShape: cifar, seed: 0.5 }, /seed must be an integer, found 0.5/],
  ])('rejects %s with bad options clearly (%#)', (name, options, message) => {
    expect(() => buildBackbone(name, options)).toThrow(message);
  });
});

describe('runBackbone', () => {
  beforeAll(useWasmBackend);

  it.each(['resnet8', 'resnet20', 'resnet8x4', 'wrn-16-1', 'wrn-16-2', 'wrn-40-2'])(
    'yields the declared tap and logit shapes for %s on 32x32',
    async (name) => {
      const backbone = buildBackbone(name, { classes: 100, inputShape: cifar, seed: 7 });
      const before = tf.memory().numTensors;
      const input = tf.randomNormal<tf.Rank.R4>([2, 32, 32, 3], 0, 1, 'float32', 1);
      const outputs = runBackbone(backbone, input, false);
      expect(outputs.taps.map((tap) => tap.shape)).toEqual(backbone.taps.map((tap) => [2, ...tap.shape]));
      expect(outputs.logits.shape).toEqual([2, 100]);
      const logits = await outputs.logits.data();
      expect(logits.every(Number.isFinite)).toBe(true);
      // Taps read post-ReLU tensors.
      for (const tap of outputs.taps) expect(tap.min().dataSync()[0]).toBeGreaterThanOrEqual(0);
      tf.dispose([input, outputs.logits, ...outputs.taps]);
      expect(tf.memory().numTensors - before).toBeLessThanOrEqual(backbone.taps.length);
      backbone.model.dispose();
    },
  );

  it('runs a 1-channel 28x28 input', () => {
    const backbone = buildBackbone('wrn-16-2', { classes: 10, inputShape: [28, 28, 1], seed: 1 });
    const outputs = tf.tidy(() => {
      const result = runBackbone(backbone, tf.ones([3, 28, 28, 1]), true);
      return { taps: result.taps.map((tap) => tap.shape), logits: result.logits.shape };
    });
    expect(outputs.taps).toEqual([
      [3, 28, 28, 32],
      [3, 28, 28, 32],
      [3, 14, 14, 64],
      [3, 14, 14, 64],
      [3, 7, 7, 128],
      [3, 7, 7, 128],
    ]);
    expect(outputs.logits).toEqual([3, 10]);
    backbone.model.dispose();
  });

  it('rejects inputs of the wrong shape or type clearly', () => {
    const backbone = buildBackbone('resnet8', { classes: 10, inputShape: cifar, seed: 1 });
    const wrongSize = tf.zeros<tf.Rank.R4>([1, 28, 28, 3]);
    expect(() => runBackbone(backbone, wrongSize, false)).toThrow(
      'Backbone "resnet8" expects a batch of shape [batch, 32, 32, 3], found [1,28,28,3].',
    );
    const wrongType = tf.zeros<tf.Rank.R4>([1, 32, 32, 3], 'int32');
    expect(() => runBackbone(backbone, wrongType, false)).toThrow('expects float32 input, found int32');
    tf.dispose([wrongSize, wrongType]);
    backbone.model.dispose();
  });
});

describe('edge backbones against the PyTorch reference script', () => {
  beforeAll(useWasmBackend);
  afterAll(() => tf.disposeVariables());

  const movingStatistics = (backbone: Backbone): number =>
    backbone.model.nonTrainableWeights.reduce((sum, weight) => sum + weight.read().size, 0);

  it.each(edgeModelNames)('builds %s with the reference counts for 10 and 100 classes', (name) => {
    for (const classes of [10, 100]) {
      const reference = edgeReference(name, classes, cifar);
      const backbone = buildBackbone(name, { classes, inputShape: cifar, seed: 1 });
      const trainable = backbone.model.trainableWeights.reduce((sum, weight) => sum + weight.read().size, 0);
      expect(trainable).toBe(reference.parameterCount);
      expect(backbone.parameterCount).toBe(reference.parameterCount);
      expect(movingStatistics(backbone)).toBe(reference.movingStatisticCount);
      expect(backbone.taps.map((tap) => ({ shape: tap.shape, stage: tap.stage }))).toEqual(reference.taps);
      expect(backbone.model.outputs.slice(0, -1).map((output) => output.shape.slice(1))).toEqual(
        reference.taps.map((tap) => tap.shape),
      );
      backbone.model.dispose();
    }
  });

  it.each(['mobilenetv2-0.5', 'shufflenetv2', 'vgg8'])(
    'runs %s on a 1-channel 28x28 input with the reference tap shapes',
    (name) => {
      const reference = edgeReference(name, 10, [28, 28, 1]);
      const backbone = buildBackbone(name, { classes: 10, inputShape: [28, 28, 1], seed: 1 });
      expect(backbone.parameterCount).toBe(reference.parameterCount);
      const shapes = tf.tidy(() => {
        const result = runBackbone(backbone, tf.randomNormal([3, 28, 28, 1], 0, 1, 'float32', 2), true);
        const finite = result.logits.isFinite().all().dataSync()[0];
        return { taps: result.taps.map((tap) => tap.shape), logits: result.logits.shape, finite };
      });
      expect(shapes.taps).toEqual(reference.taps.map((tap) => [3, ...tap.shape]));
      expect(shapes.logits).toEqual([3, 10]);
      expect(shapes.finite).toBe(1);
      backbone.model.dispose();
    },
  );

  it('taps the block outputs: the residual sum, or the linear projection when there is no shortcut', () => {
    const backbone = buildBackbone('mobilenetv2-0.5', { classes: 10, inputShape: cifar, seed: 1 });
    expect(backbone.model.outputs[0]).toBe(layerOutput(backbone, 'block1_project_bn'));
    expect(backbone.model.outputs[2]).toBe(layerOutput(backbone, 'block3_add'));
    expect(backbone.model.getLayer('stem_conv_pad').getConfig()).toMatchObject({
      padding: [
        [1, 1],
        [1, 1],
      ],
    });
    expect(backbone.model.getLayer('block4_depthwise_conv').getWeights()[0]?.shape).toEqual([3, 3, 72, 1]);
    backbone.model.dispose();
  });

  it('shuffles channels as the reference: output channel 2j + g is input channel g·C/2 + j', () => {
    const backbone = buildBackbone('shufflenetv2', { classes: 10, inputShape: cifar, seed: 1 });
    const concat = layerOutput(backbone, 'stage1_unit2_concat');
    const shuffled = layerOutput(backbone, 'stage1_unit2_shuffle');
    const probe = tf.model({ inputs: backbone.model.inputs, outputs: [concat, shuffled] });
    const [before, after] = tf.tidy(() =>
      (probe.predict(tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 4)) as tf.Tensor[]).map(
        (tensor) => tensor.arraySync() as number[][][][],
      ),
    );
    const channels = 116;
    for (let output = 0; output < channels; output += 1) {
      const input = (output % 2) * (channels / 2) + Math.floor(output / 2);
      expect(after?.[0]?.[3]?.[5]?.[output]).toBe(before?.[0]?.[3]?.[5]?.[input]);
    }
    const kept = tf.tidy(() => {
      const halves = tf.model({
        inputs: backbone.model.inputs,
        outputs: [
          layerOutput(backbone, 'stage1_unit1_shuffle'),
          layerOutput(backbone, 'stage1_unit2_split_first'),
        ],
      });
      const [unit, first] = halves.predict(
        tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 5),
      ) as tf.Tensor[];
      return tf
        .max(tf.abs(tf.sub(tf.slice(unit as tf.Tensor4D, [0, 0, 0, 0], [1, 16, 16, 58]), first as tf.Tensor)))
        .dataSync()[0];
    });
    expect(kept).toBe(0);
    backbone.model.dispose();
  });
});

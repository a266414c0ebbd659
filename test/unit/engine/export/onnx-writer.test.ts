import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOnnxFile } from '../../../support/python.js';
import {
  onnxTapName,
  onnxTapSummaryNames,
  writeOnnxModel,
  type InputLayout,
  type OnnxWriteOptions,
} from '../../../../src-main/engine/export/onnx-writer.js';
import {
  compareLogits,
  prepareVerificationImages,
  runOnnxLogits,
  toChannelsFirst,
} from '../../../../src-main/engine/export/parity.js';
import { predictLogits } from '../../../../src-main/engine/export/student-model.js';
import { fixtureClasses, fixtureShape, randomizedBackbone } from './export-fixtures.js';

let root = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'rtk-onnx-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function randomImages(count: number) {
  const images = Uint8Array.from({ length: count * 16 * 16 * 3 }, (_, index) => (index * 7919) % 256);
  const labels = Uint16Array.from({ length: count }, (_, index) => index % fixtureClasses.length);
  return prepareVerificationImages(
    { images, labels, count, shape: fixtureShape, classNames: fixtureClasses },
    { mean: [127, 120, 110], std: [64, 60, 70] },
  );
}

async function checkModel(bytes: Uint8Array, fileName: string): Promise<void> {
  const file = join(root, fileName);
  await writeFile(file, bytes);
  checkOnnxFile(file);
}

/** Every output of an ONNX model in onnxruntime-node, by name, for NHWC images. */
async function runOnnxOutputs(
  bytes: Uint8Array,
  images: Float32Array,
  shape: readonly [number, number, number, number],
  layout: InputLayout,
): Promise<Record<string, ort.Tensor>> {
  const [count, height, width, channels] = shape;
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  try {
    const input =
      layout === 'NHWC'
        ? new ort.Tensor('float32', images, [...shape])
        : new ort.Tensor('float32', toChannelsFirst(images, count, [height, width, channels]), [
            count,
            channels,
            height,
            width,
          ]);
    return await session.run({ input });
  } finally {
    await session.release();
  }
}

/** Largest |onnx − tfjs| over an output, relative to the tfjs output's largest magnitude. */
function relativeDifference(onnxOutput: ort.Tensor | undefined, reference: tf.Tensor): number {
  if (onnxOutput === undefined || !(onnxOutput.data instanceof Float32Array)) return Infinity;
  expect(onnxOutput.dims).toEqual(reference.shape);
  const expected = reference.dataSync();
  let scale = 0;
  let difference = 0;
  expected.forEach((value, index) => {
    scale = Math.max(scale, Math.abs(value));
    const gap = Math.abs(value - (onnxOutput.data[index] as number));
    difference = Number.isNaN(gap) ? Infinity : Math.max(difference, gap);
  });
  expect(scale).toBeGreaterThan(0);
  return difference / scale;
}

/** Gives every BatchNorm of a model random statistics far from 0/1, so folding mistakes show. */
function randomizeBatchNorms(model: tf.LayersModel, seed: number): void {
  model.layers
    .filter((layer) => layer.getClassName() === 'BatchNormalization')
    .forEach((layer, index) => {
      const values = tf.tidy(() =>
        layer.getWeights().map((weight, position) => {
          const drawSeed = seed * 100 + index * 10 + position;
          // Weight order of a tfjs BatchNorm: gamma, beta, moving mean, moving variance.
          return position === 3
            ? tf.randomUniform(weight.shape, 0.3, 3, 'float32', drawSeed)
            : tf.randomNormal(weight.shape, position === 0 ? 1 : 0, 0.4, 'float32', drawSeed);
        }),
      );
      layer.setWeights(values);
      tf.dispose(values);
    });
}

function symbolic(
  value: tf.SymbolicTensor | tf.SymbolicTensor[] | tf.Tensor | tf.Tensor[],
): tf.SymbolicTensor {
  if (!(value instanceof tf.SymbolicTensor)) throw new Error('expected one symbolic tensor');
  return value;
}

function seeded(seed: number): ReturnType<typeof tf.initializers.glorotUniform> {
  return tf.initializers.glorotUniform({ seed });
}

const tapOptions: OnnxWriteOptions = {
  layout: 'NHWC',
  probabilities: false,
  metadata: {},
  producerVersion: 't',
  featureTaps: true,
};

describe('writeOnnxModel', () => {
  const cases: [string, InputLayout][] = [
    ['resnet8', 'NCHW'],
    ['resnet8x4', 'NHWC'],
    ['wrn-10-2', 'NCHW'],
    ['wrn-10-1', 'NHWC'],
  ];
  it.each(cases)('%s (%s) passes the ONNX checker and matches TFJS within 1e-4', async (name, layout) => {
    const backbone = randomizedBackbone(name, 11);
    try {
      const written = writeOnnxModel(backbone.model, {
        layout,
        probabilities: true,
        metadata: { backbone: name },
        producerVersion: 'test',
      });
      await checkModel(written.bytes, `${name}-${layout}.onnx`);
      const decoded = onnxProto.onnx.ModelProto.decode(written.bytes);
      expect(Number(decoded.irVersion)).toBe(8);
      expect(Number(decoded.opsetImport[0]?.version)).toBeLessThanOrEqual(17);
      expect(decoded.graph?.input?.[0]?.type?.tensorType?.shape?.dim?.[0]?.dimParam).toBe('batch');
      expect(decoded.graph?.output?.map((output) => output.name)).toEqual(['logits', 'probabilities']);
      expect(written.opTypes).not.toContain('BatchNormalization');
      expect(written.opTypes.includes('Transpose')).toBe(layout === 'NHWC');
      // ResNets fold every BN into its conv; a WRN keeps per-channel Mul+Add for the pre-activation BNs.
      expect(written.opTypes.includes('Mul')).toBe(name.startsWith('wrn'));
      expect(written.foldedBatchNorms).toBeGreaterThan(0);
      const verification = randomImages(6);
      const reference = predictLogits(backbone.model, verification.images, verification.count);
      const figures = compareLogits(
        reference,
        await runOnnxLogits(written.bytes, verification, layout),
        verification.labels,
        fixtureClasses.length,
      );
      expect(figures.maxAbsLogitDifference).toBeLessThanOrEqual(1e-4);
      expect(figures.top1Agreement).toBe(1);
    } finally {
      backbone.model.dispose();
    }
  });

  it('detects a wrong fold: perturbed moving statistics change the ONNX logits', async () => {
    const backbone = randomizedBackbone('resnet8', 12);
    try {
      const before = writeOnnxModel(backbone.model, {
        layout: 'NCHW',
        probabilities: false,
        metadata: {},
        producerVersion: 't',
      });
      const variance = backbone.model
        .getLayer('stem_bn')
        .weights.find((weight) => weight.name.includes('moving_variance'));
      variance?.write(tf.mul(variance.read(), 4));
      const after = writeOnnxModel(backbone.model, {
        layout: 'NCHW',
        probabilities: false,
        metadata: {},
        producerVersion: 't',
      });
      const verification = randomImages(4);
      const figures = compareLogits(
        await runOnnxLogits(before.bytes, verification, 'NCHW'),
        await runOnnxLogits(after.bytes, verification, 'NCHW'),
        verification.labels,
        fixtureClasses.length,
      );
      expect(figures.maxAbsLogitDifference).toBeGreaterThan(1e-3);
    } finally {
      backbone.model.dispose();
    }
  });

  it('refuses an opset outside 13..17', () => {
    const backbone = randomizedBackbone('resnet8', 13);
    try {
      expect(() =>
        writeOnnxModel(backbone.model, {
          layout: 'NCHW',
          probabilities: false,
          metadata: {},
          producerVersion: 't',
          opset: 18,
        }),
      ).toThrow(/between 13 and 17/);
    } finally {
      backbone.model.dispose();
    }
  });
  const tapCases: [string, InputLayout][] = [
    ['resnet8', 'NHWC'],
    ['wrn-10-1', 'NCHW'],
  ];
  it.each(tapCases)(
    '%s (%s) with featureTaps and tapSummaries outputs every tap in NHWC and its summaries, passes the checker and matches TFJS',
    async (name, layout) => {
      const backbone = randomizedBackbone(name, 14);
      try {
        const options = { ...tapOptions, layout, probabilities: true, tapSummaries: true };
        const written = writeOnnxModel(backbone.model, options);
        await checkModel(written.bytes, `${name}-${layout}-taps.onnx`);
        const tapCount = backbone.model.outputs.length - 1;
        expect(tapCount).toBeGreaterThan(0);
        const tapNames = Array.from({ length: tapCount }, (_, index) => [
          onnxTapName(index),
          onnxTapSummaryNames(index).channelMeans,
          onnxTapSummaryNames(index).energy,
        ]).flat();
        const decoded = onnxProto.onnx.ModelProto.decode(written.bytes);
        expect(decoded.graph?.output?.map((output) => output.name)).toEqual([
          'logits',
          'probabilities',
          ...tapNames,
        ]);
        const dimsOf = (outputName: string): (string | number)[] =>
          (
            decoded.graph?.output?.find((output) => output.name === outputName)?.type?.tensorType?.shape
              ?.dim ?? []
          ).map((dim) => dim.dimParam ?? Number(dim.dimValue));
        backbone.taps.forEach((tap, index) => {
          const [height, width, channels] = tap.shape;
          expect(dimsOf(onnxTapName(index))).toEqual(['batch', ...tap.shape]);
          expect(dimsOf(onnxTapSummaryNames(index).channelMeans)).toEqual(['batch', channels]);
          expect(dimsOf(onnxTapSummaryNames(index).energy)).toEqual(['batch', height * width]);
        });
        // Our taps are ReLU or block outputs, so tapping them costs no BatchNorm fold.
        const plain = writeOnnxModel(backbone.model, { ...options, featureTaps: false, tapSummaries: false });
        expect(written.foldedBatchNorms).toBe(plain.foldedBatchNorms);

        const verification = randomImages(4);
        const shape = [verification.count, ...verification.shape] as const;
        const outputs = await runOnnxOutputs(written.bytes, verification.images, shape, layout);
        const input = tf.tensor4d(verification.images, [...shape]);
        const reference = backbone.model.predict(input) as tf.Tensor[];
        try {
          expect(reference).toHaveLength(tapCount + 1);
          reference.forEach((expected, index) => {
            const outputName = index === tapCount ? 'logits' : onnxTapName(index);
            expect(relativeDifference(outputs[outputName], expected)).toBeLessThanOrEqual(1e-5);
          });
        } finally {
          tf.dispose([input, ...reference]);
        }
      } finally {
        backbone.model.dispose();
      }
    },
  );

  it('materialises a tapped padding and a tapped convolution instead of folding them away', async () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const padded = symbolic(tf.layers.zeroPadding2d({ padding: 1, name: 'pad' }).apply(input));
    const convolved = symbolic(
      tf.layers
        .conv2d({
          filters: 4,
          kernelSize: 3,
          padding: 'valid',
          useBias: false,
          name: 'conv_a',
          kernelInitializer: seeded(1),
        })
        .apply(padded),
    );
    const normalised = symbolic(tf.layers.batchNormalization({ name: 'bn_a' }).apply(convolved));
    const activated = symbolic(tf.layers.reLU({ name: 'relu_a' }).apply(normalised));
    const second = symbolic(
      tf.layers
        .conv2d({ filters: 5, kernelSize: 3, padding: 'same', name: 'conv_b', kernelInitializer: seeded(2) })
        .apply(activated),
    );
    const secondNormalised = symbolic(tf.layers.batchNormalization({ name: 'bn_b' }).apply(second));
    const pooled = symbolic(tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(secondNormalised));
    const logits = symbolic(
      tf.layers.dense({ units: 3, name: 'dense', kernelInitializer: seeded(3) }).apply(pooled),
    );
    const model = tf.model({ inputs: input, outputs: [padded, convolved, secondNormalised, logits] });
    try {
      randomizeBatchNorms(model, 5);
      const plain = writeOnnxModel(model, { ...tapOptions, featureTaps: false });
      expect(plain.foldedBatchNorms).toBe(2);
      expect(plain.opTypes).not.toContain('Pad');
      const written = writeOnnxModel(model, tapOptions);
      await checkModel(written.bytes, 'folds-taps.onnx');
      // bn_a cannot fold into the tapped conv_a; the tapped bn_b still folds, its conv then yields its value.
      expect(written.foldedBatchNorms).toBe(1);
      expect(written.opTypes).toContain('Pad');
      expect(written.opTypes).toContain('Mul');

      const images = Float32Array.from({ length: 3 * 8 * 8 * 3 }, (_, index) => Math.sin(index * 0.37) * 2);
      const outputs = await runOnnxOutputs(written.bytes, images, [3, 8, 8, 3], 'NHWC');
      const batch = tf.tensor4d(images, [3, 8, 8, 3]);
      const reference = model.predict(batch) as tf.Tensor[];
      try {
        ['tap-0', 'tap-1', 'tap-2', 'logits'].forEach((outputName, index) => {
          const expected = reference[index];
          if (expected === undefined) throw new Error(`no TFJS output ${index}`);
          expect(relativeDifference(outputs[outputName], expected)).toBeLessThanOrEqual(1e-5);
        });
      } finally {
        tf.dispose([batch, ...reference]);
      }
    } finally {
      model.dispose();
    }
  });

  it('refuses a tap the logits do not depend on, and writes the plain model when taps are off', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const main = symbolic(
      tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', name: 'main' }).apply(input),
    );
    const side = symbolic(tf.layers.conv2d({ filters: 2, kernelSize: 1, name: 'side' }).apply(input));
    const pooled = symbolic(tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(main));
    const logits = symbolic(tf.layers.dense({ units: 3, name: 'dense' }).apply(pooled));
    const model = tf.model({ inputs: input, outputs: [side, logits] });
    try {
      expect(() => writeOnnxModel(model, tapOptions)).toThrow(
        /Feature tap 0 .* layer "side", which the logits do not depend on/,
      );
      const plain = writeOnnxModel(model, { ...tapOptions, featureTaps: false });
      const { featureTaps: _omitted, ...withoutTaps } = tapOptions;
      expect(Buffer.from(writeOnnxModel(model, withoutTaps).bytes).equals(Buffer.from(plain.bytes))).toBe(
        true,
      );
      const decoded = onnxProto.onnx.ModelProto.decode(plain.bytes);
      expect(decoded.graph?.output?.map((output) => output.name)).toEqual(['logits']);
    } finally {
      model.dispose();
    }
  });
});

describe('writeOnnxModel for the edge families', () => {
  const edgeCases: [string, InputLayout][] = [
    ['mobilenetv2-0.5', 'NCHW'],
    ['mobilenetv2-0.75', 'NHWC'],
    ['shufflenetv2', 'NHWC'],
    ['shufflenetv2', 'NCHW'],
    ['vgg8', 'NCHW'],
    ['vgg11', 'NHWC'],
    ['vgg13', 'NCHW'],
  ];
  it.each(edgeCases)(
    '%s (%s) passes the checker and matches TFJS within 1e-4, logits, taps and tap summaries',
    async (name, layout) => {
      const backbone = randomizedBackbone(name, 15);
      try {
        const written = writeOnnxModel(backbone.model, {
          ...tapOptions,
          layout,
          probabilities: true,
          tapSummaries: true,
          metadata: { backbone: name },
        });
        await checkModel(written.bytes, `${name}-${layout}-edge.onnx`);
        const decoded = onnxProto.onnx.ModelProto.decode(written.bytes);
        expect(Number(decoded.irVersion)).toBe(8);
        expect(Number(decoded.opsetImport[0]?.version)).toBeLessThanOrEqual(17);
        expect(written.opTypes).not.toContain('BatchNormalization');
        if (name.startsWith('shufflenetv2')) {
          // Splits of channels-first maps are written in that layout, so no data moves for them; a shuffle
          // moves its data once, and each tap output is transposed to NHWC.
          expect(written.opTypes).toEqual(expect.arrayContaining(['Concat', 'Reshape', 'Slice']));
          const transposes = decoded.graph?.node?.filter((node) => node.opType === 'Transpose') ?? [];
          const expected = (layout === 'NHWC' ? 1 : 0) + 2 * backbone.taps.length;
          expect(transposes.length).toBe(expected);
        }
        if (name.startsWith('vgg')) expect(written.opTypes).toContain('MaxPool');
        if (!name.startsWith('vgg')) {
          const grouped = decoded.graph?.node?.find(
            (node) =>
              node.opType === 'Conv' &&
              node.attribute?.some((entry) => entry.name === 'group' && Number(entry.i) > 1),
          );
          expect(grouped).toBeDefined();
        }

        const verification = randomImages(5);
        const figures = compareLogits(
          predictLogits(backbone.model, verification.images, verification.count),
          await runOnnxLogits(written.bytes, verification, layout),
          verification.labels,
          fixtureClasses.length,
        );
        expect(figures.maxAbsLogitDifference).toBeLessThanOrEqual(1e-4);
        expect(figures.top1Agreement).toBe(1);

        const shape = [verification.count, ...verification.shape] as const;
        const outputs = await runOnnxOutputs(written.bytes, verification.images, shape, layout);
        const input = tf.tensor4d(verification.images, [...shape]);
        const reference = backbone.model.predict(input) as tf.Tensor[];
        try {
          backbone.taps.forEach((tap, index) => {
            const expected = reference[index];
            if (expected === undefined) throw new Error(`no tap ${index}`);
            const names = onnxTapSummaryNames(index);
            expect(relativeDifference(outputs[onnxTapName(index)], expected)).toBeLessThanOrEqual(1e-4);
            const means = tf.mean(expected, [1, 2]);
            const energy = tf.reshape(tf.mean(tf.square(expected), 3), [verification.count, -1]);
            expect(relativeDifference(outputs[names.channelMeans], means)).toBeLessThanOrEqual(1e-4);
            expect(relativeDifference(outputs[names.energy], energy)).toBeLessThanOrEqual(1e-4);
            tf.dispose([means, energy]);
          });
        } finally {
          tf.dispose([input, ...reference]);
        }
      } finally {
        backbone.model.dispose();
      }
    },
  );

  it('writes a reshape that cannot keep the channels-first order through tfjs order, still matching', async () => {
    const input = tf.input({ shape: [4, 6, 2] });
    const conv = symbolic(
      tf.layers
        .conv2d({ filters: 6, kernelSize: 1, useBias: false, kernelInitializer: seeded(3), name: 'conv' })
        .apply(input),
    );
    // [4, 6, 6] → [6, 4, 6]: the rows and columns are regrouped across axes, which no channels-first reshape does.
    const regrouped = symbolic(tf.layers.reshape({ targetShape: [6, 4, 6], name: 'regroup' }).apply(conv));
    const pooled = symbolic(tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(regrouped));
    const logits = symbolic(
      tf.layers.dense({ units: 3, kernelInitializer: seeded(4), name: 'dense' }).apply(pooled),
    );
    const model = tf.model({ inputs: input, outputs: [regrouped, logits] });
    try {
      const written = writeOnnxModel(model, { ...tapOptions, layout: 'NCHW' });
      await checkModel(written.bytes, 'regroup.onnx');
      const images = Float32Array.from({ length: 2 * 4 * 6 * 2 }, (_, index) => Math.sin(index * 1.7));
      const outputs = await runOnnxOutputs(written.bytes, images, [2, 4, 6, 2], 'NCHW');
      const reference = model.predict(tf.tensor4d(images, [2, 4, 6, 2])) as tf.Tensor[];
      expect(relativeDifference(outputs[onnxTapName(0)], reference[0] as tf.Tensor)).toBeLessThanOrEqual(
        1e-5,
      );
      expect(relativeDifference(outputs.logits, reference[1] as tf.Tensor)).toBeLessThanOrEqual(1e-5);
      tf.dispose(reference);
    } finally {
      model.dispose();
    }
  });
});

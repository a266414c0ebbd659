import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeOnnxModel, type InputLayout } from '../../../../src-main/engine/export/onnx-writer.js';
import {
  compareLogits,
  prepareVerificationImages,
  runOnnxLogits,
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
      const file = join(root, `${name}-${layout}.onnx`);
      await writeFile(file, written.bytes);
      execFileSync('/usr/bin/python3', [
        '-c',
        'import onnx,sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)',
        file,
      ]);
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
});

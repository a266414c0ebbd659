import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOnnxFile } from '../../../support/python.js';
import { useWasmBackend } from '../models/wasm-backend.js';
import { describeBackbone } from '../../../../src-shared/domain/backbone-catalog.js';
import { exportStudent, onnxFile } from '../../../../src-main/engine/export/export-student.js';
import { profileModel } from '../../../../src-main/engine/export/profile.js';
import { logitsModel } from '../../../../src-main/engine/export/student-model.js';
import {
  fixtureShape,
  fixtureTraining,
  randomizedBackbone,
  saveRunModel,
  writeDatasetCache,
} from './export-fixtures.js';

const families = ['mobilenetv2-0.5', 'shufflenetv2', 'vgg8'] as const;

let root = '';
let datasetDirectory = '';

beforeAll(async () => {
  await useWasmBackend();
  root = await mkdtemp(join(tmpdir(), 'rtk-edge-export-'));
  datasetDirectory = join(root, 'dataset');
  await writeDatasetCache(datasetDirectory, 40, 9);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe.each(families)('exports of %s', (name) => {
  let modelDirectory = '';
  beforeAll(async () => {
    modelDirectory = join(root, name, 'model');
    const backbone = randomizedBackbone(name, 31);
    await saveRunModel(backbone, modelDirectory);
    backbone.model.dispose();
  });

  const request = (outDirectory: string) => ({
    modelDirectory,
    datasetDirectory,
    outDirectory: join(root, name, outDirectory),
    training: { ...fixtureTraining, teacher: 'wrn-40-2' },
    workbenchVersion: '0.1.0-test',
    testImageLimit: null,
    verificationImages: 16,
    latencyRuns: 50,
  });

  it('writes a verified ONNX export that passes the checker and matches TFJS within 1e-4', async () => {
    const report = await exportStudent({ ...request('onnx'), preset: 'onnx-mobile', probabilities: true });
    const parity = report.card.parity.onnx;
    expect(parity?.images).toBe(16);
    expect(parity?.maxAbsLogitDifference).toBeLessThanOrEqual(1e-4);
    expect(parity?.top1Agreement).toBe(1);
    expect(report.card.parameterCount).toBe(
      describeBackbone(name, { classes: 4, inputShape: fixtureShape }).parameterCount,
    );
    expect(report.card.latency.onnxRuntime?.medianMilliseconds).toBeGreaterThan(0);
    checkOnnxFile(join(report.directory, onnxFile));
  });

  it.each([
    ['node', 'float32'],
    ['browser', 'float16'],
    ['microcontroller', 'uint8'],
  ] as const)('writes a %s TFJS export in %s that loads back and agrees', async (preset, precision) => {
    const report = await exportStudent({ ...request(`tfjs-${precision}`), preset });
    expect(report.card.format).toBe('tfjs');
    expect(report.card.precision).toBe(precision);
    const parity = report.card.parity.tfjs;
    expect(parity?.images).toBe(16);
    if (precision === 'float32') {
      expect(parity?.maxAbsLogitDifference).toBe(0);
    } else {
      // Rounded weights move the logits a little; the card says by how much and what it does to accuracy.
      expect(parity?.maxAbsLogitDifference).toBeGreaterThan(0);
      expect(parity?.maxAbsLogitDifference).toBeLessThan(precision === 'float16' ? 0.05 : 2);
      expect(parity?.accuracyChange).toBeCloseTo(
        (parity?.exportedAccuracy ?? 0) - (parity?.inAppAccuracy ?? 0),
        10,
      );
    }
    expect(report.card.preset?.name).toBe(preset);
    expect(report.card.latency.tfjs?.runs).toBe(50);
  });

  it('profiles parameters, MACs, sizes and measured latency', async () => {
    const backbone = randomizedBackbone(name, 32);
    try {
      const profile = await profileModel(logitsModel(backbone.model), name, { producerVersion: 't' });
      const description = describeBackbone(name, { classes: 4, inputShape: fixtureShape });
      expect(profile.backbone).toBe(name);
      expect(profile.parameterCount).toBe(description.parameterCount);
      expect(profile.macsPerImage).toBe(description.macsPerImage);
      expect(profile.fileBytes.float32).toBe(description.float32Bytes);
      expect(profile.fileBytes.uint8).toBe(description.float32Bytes / 4);
      expect(profile.fileBytes.onnx).toBeGreaterThan(description.parameterCount * 4 * 0.9);
      expect(profile.peakActivationBytes).toBeGreaterThan(0);
      expect(profile.latency.onnxRuntime.medianMilliseconds).toBeGreaterThan(0);
      expect(profile.latency.tfjs.medianMilliseconds).toBeGreaterThan(0);
    } finally {
      backbone.model.dispose();
    }
  });
});

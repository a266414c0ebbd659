import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOnnxFile } from '../../../support/python.js';
import {
  exportStudent,
  modelCardJsonFile,
  onnxFile,
} from '../../../../src-main/engine/export/export-student.js';
import type { ModelCard } from '../../../../src-main/engine/export/model-card.js';
import {
  fixtureClasses,
  fixtureTraining,
  randomizedBackbone,
  saveRunModel,
  writeDatasetCache,
} from './export-fixtures.js';

let root = '';
let modelDirectory = '';
let datasetDirectory = '';

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'rtk-export-'));
  modelDirectory = join(root, 'runs', 'run-fixture', 'model');
  datasetDirectory = join(root, 'dataset');
  const backbone = randomizedBackbone('resnet8', 3);
  await saveRunModel(backbone, modelDirectory);
  backbone.model.dispose();
  await writeDatasetCache(datasetDirectory, 40, 5);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const base = () => ({
  modelDirectory,
  datasetDirectory,
  training: fixtureTraining,
  workbenchVersion: '0.1.0-test',
  testImageLimit: null,
  verificationImages: 24,
  latencyRuns: 50,
});

describe('exportStudent', () => {
  it('writes a verified float32 ONNX export with card, demo page and the TFJS copy', async () => {
    const outDirectory = join(root, 'out-onnx');
    const report = await exportStudent({
      ...base(),
      outDirectory,
      format: 'onnx',
      probabilities: true,
      preset: 'onnx-mobile',
    });
    const onnxParity = report.card.parity.onnx;
    expect(onnxParity?.images).toBe(24);
    expect(onnxParity?.maxAbsLogitDifference).toBeLessThanOrEqual(1e-4);
    expect(onnxParity?.top1Agreement).toBe(1);
    expect(report.card.parity.tfjs?.maxAbsLogitDifference).toBe(0);
    expect(report.card.latency.onnxRuntime?.runs).toBe(50);
    expect(report.card.latency.onnxRuntime?.medianMilliseconds).toBeGreaterThan(0);
    expect(report.card.outputs).toEqual(['logits', 'probabilities']);
    expect(report.card.preset).toMatchObject({ name: 'onnx-mobile', withinBudget: true });
    const files = (await readdir(outDirectory)).sort();
    expect(files).toEqual(
      [
        'MODEL_CARD.md',
        'demo-model.js',
        'index.html',
        'model-card.json',
        'model.onnx',
        'tf.min.js',
        'tfjs',
      ].sort(),
    );
    checkOnnxFile(join(outDirectory, onnxFile));
    const card = JSON.parse(await readFile(join(outDirectory, modelCardJsonFile), 'utf8')) as ModelCard;
    expect(card.classNames).toEqual(fixtureClasses);
    expect(card.parameterCount).toBe(77_652);
    expect(card.datasetFingerprint).toBe('a'.repeat(64));
    expect(card.training.method).toBe('rtk');
    expect(card.input.mean).toEqual([120, 125, 130]);
    expect(card.files.find((file) => file.path === onnxFile)?.bytes).toBe(card.modelBytes);
    const markdown = await readFile(join(outDirectory, 'MODEL_CARD.md'), 'utf8');
    expect(markdown).toContain('(x - mean) / std');
    expect(markdown).toContain('- **Teacher:** wrn-16-2');
    expect(markdown).toMatch(/- \*\*Latency \(ONNX\):\*\* [0-9.]+ ms median/);
    expect(markdown).toContain(
      'engine: onnxruntime-node (cpu); model: the exported files; batch size: 1; threads: 1',
    );
    expect(card.latency.onnxRuntime).toMatchObject({ batchSize: 1, threads: 1, warmupRuns: 5, runs: 50 });
    expect(card.latency.tfjs).toMatchObject({
      engine: 'tfjs (cpu)',
      batchSize: 1,
      threads: 1,
      warmupRuns: 5,
    });
    expect(card.parity.onnx).toMatchObject({ images: 24, runTestImages: 40 });
    expect(card.definitions?.map((definition) => definition.key)).toEqual(
      expect.arrayContaining(['testTop1', 'exportedAccuracy', 'inAppAccuracy', 'latency', 'parameters']),
    );
    const page = await readFile(join(outDirectory, 'index.html'), 'utf8');
    expect(page).toContain('<script src="tf.min.js">');
    expect(page).not.toMatch(/https?:\/\//);
  });

  it('verifies on exactly the run’s test images when no smaller number is asked for', async () => {
    const outDirectory = join(root, 'out-run-images');
    const { verificationImages: _everyImage, ...request } = base();
    const report = await exportStudent({
      ...request,
      testImageLimit: 30,
      outDirectory,
      format: 'tfjs',
    });
    // The run's test images are its experiment's limit of the test split: 30 of the 40 here.
    expect(report.card.parity.tfjs).toMatchObject({ images: 30, runTestImages: 30 });
    const markdown = await readFile(join(outDirectory, 'MODEL_CARD.md'), 'utf8');
    expect(markdown).toContain('the run’s 30 test images, the same as its Test top-1');
  });

  it('reports the accuracy change of a uint8 TFJS export and the preset budget', async () => {
    const outDirectory = join(root, 'out-uint8');
    const report = await exportStudent({ ...base(), outDirectory, preset: 'microcontroller' });
    expect(report.card.format).toBe('tfjs');
    expect(report.card.precision).toBe('uint8');
    const parity = report.card.parity.tfjs;
    expect(parity?.maxAbsLogitDifference).toBeGreaterThan(0);
    expect(parity?.accuracyChange).toBeCloseTo(
      (parity?.exportedAccuracy ?? 0) - (parity?.inAppAccuracy ?? 0),
      10,
    );
    expect(report.card.preset?.withinBudget).toBe(report.card.modelBytes <= 1024 * 1024);
    expect(report.card.latency.tfjs?.runs).toBe(50);
  });

  it('refuses a non-empty folder without force and leaves it untouched', async () => {
    const outDirectory = join(root, 'occupied');
    await mkdir(outDirectory);
    await writeFile(join(outDirectory, 'keep.txt'), 'mine');
    await expect(exportStudent({ ...base(), outDirectory, format: 'tfjs' })).rejects.toThrow(/is not empty/);
    expect(await readdir(outDirectory)).toEqual(['keep.txt']);
    expect((await readdir(root)).filter((name) => name.includes('partial'))).toEqual([]);
  });

  it('says when the run has no finished model and writes nothing', async () => {
    const outDirectory = join(root, 'no-model');
    await expect(
      exportStudent({
        ...base(),
        modelDirectory: join(root, 'runs', 'missing', 'model'),
        outDirectory,
        format: 'onnx',
      }),
    ).rejects.toThrow(/No finished model/);
    expect(
      (await readdir(root)).filter((name) => name.startsWith('no-model') || name.includes('partial')),
    ).toEqual([]);
  });

  it('says when the folder cannot be written', async () => {
    // Root writes through chmod, but not into sysfs.
    const asRoot = process.getuid?.() === 0;
    const locked = asRoot ? '/sys' : join(root, 'locked');
    if (!asRoot) {
      await mkdir(locked);
      await chmod(locked, 0o500);
    }
    try {
      await expect(
        exportStudent({ ...base(), outDirectory: join(locked, 'rtk-export'), format: 'onnx' }),
      ).rejects.toThrow(/no permission to write/);
      expect(existsSync(join(locked, 'rtk-export'))).toBe(false);
    } finally {
      if (!asRoot) await chmod(locked, 0o700);
    }
  });

  it('refuses float16 ONNX with a reason', async () => {
    await expect(
      exportStudent({ ...base(), outDirectory: join(root, 'f16'), format: 'onnx', precision: 'float16' }),
    ).rejects.toThrow(/float32 only/);
  });
});

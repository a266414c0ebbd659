import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoDataset, writeDemoCache } from '../../../src-main/engine/data/demo-dataset.js';
import { healthFileName, manifestFileName } from '../../../src-main/engine/data/cache.js';
import { profileModel } from '../../../src-main/engine/export/profile.js';
import { logitsModel } from '../../../src-main/engine/export/student-model.js';
import { parseDatasetManifest, parseHealthReport } from '../../../src-shared/contracts/dataset-manifest.js';
import { parseModelProfile } from '../../../src-shared/contracts/model-profile.js';
import {
  experimentSpecSchema,
  parseStoredExperimentSpec,
} from '../../../src-shared/domain/experiment-spec.js';
import { randomizedBackbone } from '../engine/export/export-fixtures.js';

const home = mkdtempSync(join(tmpdir(), 'rtk-contract-'));
const cachePath = join(home, 'demo');
let manifestText = '';
let healthText = '';

beforeAll(async () => {
  await tf.setBackend('cpu');
  const options = { trainCount: 60, testCount: 20, seed: 3 };
  await writeDemoCache(generateDemoDataset(options), cachePath, options, 'Contract demo');
  manifestText = readFileSync(join(cachePath, manifestFileName), 'utf8');
  healthText = readFileSync(join(cachePath, healthFileName), 'utf8');
});

afterAll(() => rmSync(home, { recursive: true, force: true }));

function withoutKey(text: string, key: string): unknown {
  const value = JSON.parse(text) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(value).filter(([name]) => name !== key));
}

describe('the dataset manifest schema', () => {
  it('reads the manifest the demo generator wrote, field for field', () => {
    const manifest = parseDatasetManifest({ text: manifestText }, 'manifest.json');
    expect(manifest).toEqual(JSON.parse(manifestText));
    expect(manifest.name).toBe('Contract demo');
    expect(manifest.splits.map((split) => split.name)).toEqual(['train', 'test']);
  });

  it('names the field that is missing or wrong', () => {
    expect(() =>
      parseDatasetManifest({ value: withoutKey(manifestText, 'fingerprint') }, 'The stored manifest of d1'),
    ).toThrow(/^The stored manifest of d1 is not a dataset manifest of this workbench: fingerprint: /);
    const escaping = { ...(JSON.parse(manifestText) as object), healthFile: '../elsewhere.json' };
    expect(() => parseDatasetManifest({ value: escaping }, 'manifest.json')).toThrow(
      /healthFile: must be a file name inside the cache folder/,
    );
    expect(() => parseDatasetManifest({ text: '{"version":' }, 'manifest.json')).toThrow(
      /^manifest\.json is not JSON: /,
    );
  });
});

describe('the health report schema', () => {
  it('reads the health report the demo generator wrote', () => {
    const health = parseHealthReport({ text: healthText }, 'health.json');
    expect(health).toEqual(JSON.parse(healthText));
    expect(health.countsPerClass[0]?.split).toBe('train');
  });

  it('reads reports written before an unreadable file carried the decoder detail', () => {
    const old = {
      ...(JSON.parse(healthText) as object),
      unreadableFiles: [{ file: '/data/a.png', reason: 'Input buffer has corrupt header:' }],
    };
    expect(parseHealthReport({ value: old }, 'health.json').unreadableFiles[0]?.detail).toBeUndefined();
  });

  it('names the field that is wrong', () => {
    const broken = { ...(JSON.parse(healthText) as object), imbalanceRatio: 'high' };
    expect(() => parseHealthReport({ value: broken }, 'health.json')).toThrow(
      /^health\.json is not a dataset health report of this workbench: imbalanceRatio: /,
    );
  });
});

describe('the model profile schema', () => {
  it('reads a profile the engine measured, and names a missing figure', async () => {
    const backbone = randomizedBackbone('resnet8', 5);
    try {
      const profile = await profileModel(logitsModel(backbone.model), 'resnet8', { producerVersion: 't' });
      const sent: unknown = JSON.parse(JSON.stringify(profile));
      expect(parseModelProfile({ value: sent }, 'the worker')).toEqual(profile);
      const { latency: _latency, ...broken } = profile;
      expect(() => parseModelProfile({ value: broken }, 'the worker')).toThrow(
        /^the worker is not a model profile of this workbench: latency: /,
      );
    } finally {
      backbone.model.dispose();
    }
  });
});

describe('the stored experiment spec', () => {
  const given = {
    name: 'Distil',
    datasetId: 'd1',
    teacher: { source: 'train', backbone: 'resnet8' },
    student: { backbone: 'resnet8' },
    methods: ['kd'],
    schedule: { epochs: 3 },
    seeds: [1, 2],
  } as const;

  it('reads back what the workbench stores', () => {
    const stored = JSON.stringify(experimentSpecSchema.parse(given));
    expect(parseStoredExperimentSpec(stored, 'spec')).toEqual(JSON.parse(stored));
  });

  it('reads a spec stored before the optional fields existed, with their defaults', () => {
    // The shape of spec_json before presets, warm-up, augmentation and per-method hyperparameters.
    const older = JSON.stringify({ ...given, methods: ['kd', 'none'] });
    const spec = parseStoredExperimentSpec(older, 'spec');
    expect(spec.preset).toBe('custom');
    expect(spec.specVersion).toBe(1);
    expect(spec.schedule.warmupEpochs).toBe(0);
    expect(spec.schedule.batchSize).toBe(64);
    expect(spec.augmentation).toEqual({ randomCrop: true, padding: 4, horizontalFlip: 'auto' });
    expect(spec.hyperparameters).toEqual({});
  });

  it('names the field that is wrong', () => {
    const broken = JSON.stringify({ ...given, schedule: { epochs: 'three' } });
    expect(() => parseStoredExperimentSpec(broken, 'The stored spec of experiment e1')).toThrow(
      /^The stored spec of experiment e1 is not an experiment spec of this workbench: schedule\.epochs: /,
    );
  });
});

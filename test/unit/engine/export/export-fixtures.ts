import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { writeLayersModel } from '../../../../src-main/engine/export/layers-model-files.js';
import { buildBackbone } from '../../../../src-main/engine/models/index.js';
import type { Backbone } from '../../../../src-main/engine/models/types.js';

export const fixtureShape = [16, 16, 3] as const;
export const fixtureClasses = ['circle', 'square', 'triangle', 'star'];

/** A 16x16 backbone with random weights and BatchNorm moving statistics far from 0/1, so folding is exercised. */
export function randomizedBackbone(name: string, seed: number): Backbone {
  const backbone = buildBackbone(name, { inputShape: fixtureShape, classes: fixtureClasses.length, seed });
  const values = tf.tidy(() =>
    backbone.model.weights.map((variable, index) => {
      const shape = variable.read().shape;
      const drawSeed = seed * 1000 + index;
      if (variable.name.includes('moving_variance'))
        return tf.randomUniform(shape, 0.3, 3, 'float32', drawSeed);
      if (variable.name.includes('moving_mean')) return tf.randomNormal(shape, 0, 0.5, 'float32', drawSeed);
      if (variable.name.includes('gamma')) return tf.randomUniform(shape, 0.5, 1.5, 'float32', drawSeed);
      if (variable.name.includes('beta')) return tf.randomNormal(shape, 0, 0.3, 'float32', drawSeed);
      return variable.read().clone();
    }),
  );
  backbone.model.setWeights(values);
  tf.dispose(values);
  return backbone;
}

/** Saves a backbone as a finished run's model folder (as the train job does). */
export async function saveRunModel(backbone: Backbone, directory: string): Promise<void> {
  await writeLayersModel(backbone.model, directory, {
    precision: 'float32',
    replace: true,
    userDefinedMetadata: { rtkWorkbench: { backbone: backbone.name, runId: 'run-fixture' } },
  });
}

/** A dataset cache with only a manifest and a small random test split. */
export async function writeDatasetCache(directory: string, count: number, seed: number): Promise<void> {
  await mkdir(directory, { recursive: true });
  const [height, width, channels] = fixtureShape;
  let state = seed >>> 0;
  const next = (): number => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state >>> 24;
  };
  const images = Uint8Array.from({ length: count * height * width * channels }, next);
  const labels = new Uint8Array(count * 2);
  for (let index = 0; index < count; index += 1) labels[index * 2] = index % fixtureClasses.length;
  await writeFile(join(directory, 'test-images.u8'), images);
  await writeFile(join(directory, 'test-labels.u16le'), labels);
  await writeFile(
    join(directory, 'manifest.json'),
    JSON.stringify({
      version: 1,
      name: 'Fixture shapes',
      format: 'folder',
      sources: [],
      importedAt: '2026-01-01T00:00:00.000Z',
      classNames: fixtureClasses,
      shape: fixtureShape,
      splits: [
        {
          name: 'test',
          count,
          countsPerClass: fixtureClasses.map(() => count / fixtureClasses.length),
          imagesFile: 'test-images.u8',
          labelsFile: 'test-labels.u16le',
        },
      ],
      statistics: { mean: [120, 125, 130], std: [60, 65, 70] },
      fingerprint: 'a'.repeat(64),
      validation: null,
      carvedTest: null,
      thumbnails: [],
      healthFile: 'health.json',
    }),
  );
}

export const fixtureTraining = {
  runId: 'run-fixture',
  datasetName: 'Fixture shapes',
  teacher: 'wrn-16-2',
  method: 'rtk',
  hyperparameters: { beta: 600, rtkK: 2 },
  seed: 7,
  epochs: 3,
  testTop1: 0.25,
} as const;

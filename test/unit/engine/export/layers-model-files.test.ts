import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readLayersModel, writeLayersModel } from '../../../../src-main/engine/export/layers-model-files.js';

let root = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'rtk-layers-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('writeLayersModel float16', () => {
  it('carries a mantissa that rounds up into the exponent (1.9999 → 2, not 1)', async () => {
    const input = tf.input({ shape: [1] });
    const dense = tf.layers.dense({ units: 3, name: 'dense' });
    const model = tf.model({ inputs: input, outputs: dense.apply(input) as tf.SymbolicTensor });
    dense.setWeights([tf.tensor2d([[1, 1, 1]]), tf.tensor1d([1.9999, -1.9999, 0.33333])]);
    const directory = join(root, 'f16');
    await writeLayersModel(model, directory, { precision: 'float16', replace: false });
    const reloaded = await readLayersModel(directory);
    const bias = Array.from(reloaded.getLayer('dense').getWeights()[1]?.dataSync() ?? []);
    expect(bias[0]).toBe(2);
    expect(bias[1]).toBe(-2);
    expect(bias[2]).toBeCloseTo(0.33333, 3);
    model.dispose();
    reloaded.dispose();
  });
});

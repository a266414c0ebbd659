import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openWorkbenchStore } from '../../../src-main/store/workbench-store.js';
import type { WorkbenchStore } from '../../../src-main/store/workbench-store.js';
import { fixtureManifest } from '../../support/stored-fixtures.js';

const homes: string[] = [];
const stores: WorkbenchStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

function storeWithDataset(): WorkbenchStore {
  const home = mkdtempSync(join(tmpdir(), 'rtk-stored-json-'));
  homes.push(home);
  const store = openWorkbenchStore(home);
  stores.push(store);
  store.datasets.insert({
    id: 'd1',
    name: 'shapes',
    format: 'folder',
    fingerprint: 'f1',
    imageHeight: 32,
    imageWidth: 32,
    channels: 3,
    classCount: 2,
    trainCount: 2,
    testCount: 0,
    cachePath: '/cache/d1',
    manifest: fixtureManifest({ sources: ['/data/shapes'] }),
  });
  return store;
}

function storeRawSpec(store: WorkbenchStore, id: string, specJson: string): void {
  store.database.connection
    .prepare(
      `INSERT INTO experiments (id, name, dataset_id, spec_json, status, created_at, updated_at)
       VALUES (?, 'old', 'd1', ?, 'done', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
    )
    .run(id, specJson);
}

describe('stored JSON columns', () => {
  it('reads a spec stored by an older version, before presets, warm-up and augmentation existed', () => {
    const store = storeWithDataset();
    storeRawSpec(
      store,
      'e-old',
      JSON.stringify({
        name: 'old',
        datasetId: 'd1',
        teacher: { source: 'train', backbone: 'resnet8' },
        student: { backbone: 'resnet8' },
        methods: ['kd', 'none'],
        schedule: { epochs: 2, batchSize: 32, learningRate: 0.1, momentum: 0.9, weightDecay: 0.0005 },
        seeds: [0],
      }),
    );
    const spec = store.experiments.get('e-old')?.spec;
    expect(spec?.preset).toBe('custom');
    expect(spec?.schedule).toMatchObject({ epochs: 2, batchSize: 32, warmupEpochs: 0 });
    expect(spec?.schedule.learningRateSchedule).toEqual({
      kind: 'step',
      milestones: [150, 180, 210],
      gamma: 0.1,
    });
    expect(spec?.augmentation).toEqual({ randomCrop: true, padding: 4, horizontalFlip: 'auto' });
    expect(store.experiments.rename('e-old', 'renamed')).toBe(true);
    expect(store.experiments.get('e-old')?.spec.name).toBe('renamed');
  });

  it('refuses a damaged stored spec, naming the experiment and the field', () => {
    const store = storeWithDataset();
    storeRawSpec(store, 'e-bad', JSON.stringify({ name: 'bad', datasetId: 'd1', seeds: [0] }));
    expect(() => store.experiments.get('e-bad')).toThrow(
      /^The stored spec of experiment e-bad is not an experiment spec of this workbench: teacher: /,
    );
  });

  it('gives the manifest back as it was recorded, and names a damaged one', () => {
    const store = storeWithDataset();
    expect(store.datasets.get('d1')?.manifest).toEqual(fixtureManifest({ sources: ['/data/shapes'] }));
    store.database.connection
      .prepare(`UPDATE datasets SET manifest_json = '{"version":1}' WHERE id = 'd1'`)
      .run();
    expect(() => store.datasets.get('d1')).toThrow(
      /^The stored manifest of dataset d1 is not a dataset manifest of this workbench: name: /,
    );
  });
});

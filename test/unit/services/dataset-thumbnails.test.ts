import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readDatasetThumbnails } from '../../../src-main/services/dataset-thumbnails.js';
import { openWorkbenchStore } from '../../../src-main/store/workbench-store.js';
import { fixtureManifest } from '../../support/stored-fixtures.js';

function storeWithThumbnails(thumbnails: string[][]) {
  const home = mkdtempSync(join(tmpdir(), 'rtk-thumbnails-'));
  const cachePath = join(home, 'datasets', 'd1');
  mkdirSync(join(cachePath, 'thumbnails'), { recursive: true });
  writeFileSync(join(cachePath, 'thumbnails', 'a.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]));
  writeFileSync(join(home, 'secret.png'), 'not yours');
  const store = openWorkbenchStore(home);
  store.datasets.insert({
    id: 'd1',
    name: 'tiny',
    format: 'folder',
    fingerprint: 'f1',
    imageHeight: 8,
    imageWidth: 8,
    channels: 3,
    classCount: 2,
    trainCount: 2,
    testCount: 2,
    cachePath,
    manifest: fixtureManifest({ classNames: ['cat', 'dog'], thumbnails }),
  });
  return store;
}

describe('the dataset thumbnails', () => {
  it('returns each class’s thumbnails as PNG data URLs', async () => {
    const store = storeWithThumbnails([['thumbnails/a.png', 'thumbnails/a.png'], []]);
    const result = await readDatasetThumbnails(store, 'd1');
    expect(result.classNames).toEqual(['cat', 'dog']);
    expect(result.thumbnails).toEqual([
      ['data:image/png;base64,iVBORw==', 'data:image/png;base64,iVBORw=='],
      [],
    ]);
  });

  it('refuses a manifest path that leaves the dataset folder', async () => {
    const store = storeWithThumbnails([['../../secret.png']]);
    await expect(readDatasetThumbnails(store, 'd1')).rejects.toThrow(
      /outside its folder: \.\.\/\.\.\/secret\.png/,
    );
  });

  it('names a dataset that does not exist', async () => {
    await expect(readDatasetThumbnails(storeWithThumbnails([]), 'nope')).rejects.toThrow(
      'There is no dataset nope.',
    );
  });
});

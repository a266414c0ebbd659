import { readFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { DatasetThumbnails } from '../../src-shared/contracts/api.js';
import type { WorkbenchStore } from '../store/workbench-store.js';

/**
 * Reads a dataset's thumbnail PNGs as data: URLs, since neither the lab server nor the app protocol serves the
 * workbench home. Paths that would leave the dataset's cache folder are refused.
 */
export async function readDatasetThumbnails(store: WorkbenchStore, id: string): Promise<DatasetThumbnails> {
  const dataset = store.datasets.get(id);
  if (dataset === undefined) throw new Error(`There is no dataset ${id}.`);
  const manifest = dataset.manifest;
  const root = resolve(dataset.cachePath);
  const thumbnails = await Promise.all(
    manifest.thumbnails.map((files) =>
      Promise.all(
        files.map(async (file) => {
          const path = resolve(join(root, file));
          const inside = relative(root, path);
          if (inside.startsWith('..') || isAbsolute(inside)) {
            throw new Error(`The manifest of dataset ${id} names a thumbnail outside its folder: ${file}.`);
          }
          return `data:image/png;base64,${(await readFile(path)).toString('base64')}`;
        }),
      ),
    ),
  );
  return { classNames: [...manifest.classNames], thumbnails };
}

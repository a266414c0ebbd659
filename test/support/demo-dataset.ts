import { randomUUID } from 'node:crypto';
import { generateDemoDataset, writeDemoCache } from '../../src-main/engine/data/demo-dataset.js';
import { demoGeneratorKey, recordDemoDataset } from '../../src-main/services/demo-dataset.js';
import type { EnsuredDemoDataset } from '../../src-main/services/demo-dataset.js';
import { homeLayout } from '../../src-main/store/home-layout.js';
import type { WorkbenchStore } from '../../src-main/store/workbench-store.js';

/**
 * Draws a small demo dataset in the test's own process and records it as the demo service would, for tests
 * that open only the store (no compute worker) and need a dataset to train on.
 */
export async function addDemoDataset(
  store: WorkbenchStore,
  homeDirectory: string,
  options: { readonly trainCount: number; readonly testCount: number; readonly seed: number },
): Promise<EnsuredDemoDataset> {
  const id = randomUUID();
  const directory = homeLayout(homeDirectory).datasetFolder(id);
  const request = { ...options, name: 'Demo shapes' };
  const manifest = await writeDemoCache(generateDemoDataset(options), directory, options, request.name);
  return recordDemoDataset(store, id, demoGeneratorKey(request), {
    directory,
    manifest,
  });
}

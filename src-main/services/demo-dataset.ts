import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DemoSize } from '../../src-shared/contracts/demo-types.js';
import type { DatasetSummary } from '../../src-shared/contracts/domain-types.js';
import { cachedDatasetFacts, manifestFileName } from '../engine/data/cache.js';
import type { DatasetManifest } from '../engine/data/cache.js';
import { demoDatasetName, demoGeneratorVersion } from '../engine/data/demo-dataset.js';
import type { WorkerSupervisor } from '../jobs/worker-supervisor.js';
import { homeLayout } from '../store/home-layout.js';
import type { WorkbenchStore } from '../store/workbench-store.js';

/** What to draw: how many images of each split, the seed, and the name the dataset is listed under. */
export interface DemoDatasetRequest {
  readonly trainCount: number;
  readonly testCount: number;
  readonly seed: number;
  readonly name: string;
}

/** The demo dataset of each demo size; the small one runs the same pipeline on fewer images. */
export const demoDatasetRequests: Readonly<Record<DemoSize, DemoDatasetRequest>> = {
  standard: { trainCount: 3_000, testCount: 600, seed: 1, name: demoDatasetName },
  small: { trainCount: 400, testCount: 200, seed: 1, name: `${demoDatasetName} (small)` },
};

/** The demo dataset in the store, and whether this call drew it. */
export interface EnsuredDemoDataset {
  readonly dataset: DatasetSummary;
  readonly created: boolean;
}

/** What the generator and its options are recorded as: the same key finds the same pixels. */
export function demoGeneratorKey(request: DemoDatasetRequest): string {
  return `demo-shapes/${demoGeneratorVersion}?train=${request.trainCount}&test=${request.testCount}&seed=${request.seed}`;
}

/**
 * Records a demo dataset the worker wrote into `generated.directory` under `generator`. When the store holds
 * the same content already (a copy recorded before generator keys were kept, or drawn meanwhile by another
 * process), the new folder is removed and the stored dataset is returned, now carrying the key.
 */
export async function recordDemoDataset(
  store: WorkbenchStore,
  id: string,
  generator: string,
  generated: { readonly directory: string; readonly manifest: DatasetManifest },
): Promise<EnsuredDemoDataset> {
  const facts = cachedDatasetFacts(generated.manifest);
  const stored = (): DatasetSummary | undefined =>
    store.datasets.findByGenerator(generator) ?? store.datasets.findByFingerprint(facts.fingerprint);
  const adopt = async (existing: DatasetSummary): Promise<EnsuredDemoDataset> => {
    await rm(generated.directory, { recursive: true, force: true });
    if (store.datasets.findByGenerator(generator) === undefined)
      store.datasets.setGenerator(existing.id, generator);
    return { dataset: existing, created: false };
  };
  const before = stored();
  if (before !== undefined) return adopt(before);
  try {
    const dataset = store.datasets.insert({
      id,
      ...facts,
      cachePath: generated.directory,
      manifest: generated.manifest,
      generator,
    });
    return { dataset, created: true };
  } catch (error) {
    // Another process recorded the same dataset between the look and the insert.
    const raced = stored();
    if (raced !== undefined) return adopt(raced);
    await rm(generated.directory, { recursive: true, force: true });
    throw error;
  }
}

const drawing = new Map<string, Promise<EnsuredDemoDataset>>();

/**
 * Makes sure the demo dataset of `request` is in the workbench: the stored one with the same generator key
 * when its cache folder is still there (found by the key, without drawing anything), otherwise drawn by the
 * compute worker into `<home>/datasets/<id>/` and recorded. Concurrent calls for the same key share one draw.
 */
export function ensureDemoDataset(
  context: {
    readonly store: WorkbenchStore;
    readonly supervisor: WorkerSupervisor;
    readonly homeDirectory: string;
  },
  request: DemoDatasetRequest = demoDatasetRequests.standard,
): Promise<EnsuredDemoDataset> {
  const generator = demoGeneratorKey(request);
  const existing = context.store.datasets.findByGenerator(generator);
  if (existing !== undefined) {
    const cachePath = context.store.datasets.get(existing.id)?.cachePath;
    if (cachePath !== undefined && existsSync(join(cachePath, manifestFileName))) {
      return Promise.resolve({ dataset: existing, created: false });
    }
    return Promise.reject(
      new Error(
        `The demo dataset ${existing.id} is recorded but its files are missing from ${cachePath ?? 'its cache folder'}; delete that dataset and try again.`,
      ),
    );
  }
  const drawKey = `${context.homeDirectory}\n${generator}`;
  const inFlight = drawing.get(drawKey);
  if (inFlight !== undefined) return inFlight;
  const id = randomUUID();
  const draw = context.supervisor
    .run({
      type: 'generate-demo-dataset',
      target: homeLayout(context.homeDirectory).datasetFolder(id),
      name: request.name,
      trainCount: request.trainCount,
      testCount: request.testCount,
      seed: request.seed,
    })
    .then((generated) => recordDemoDataset(context.store, id, generator, generated))
    .finally(() => drawing.delete(drawKey));
  drawing.set(drawKey, draw);
  return draw;
}

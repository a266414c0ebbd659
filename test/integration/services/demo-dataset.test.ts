import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateDemoDataset, writeDemoCache } from '../../../src-main/engine/data/demo-dataset.js';
import { readManifest, verifyCache } from '../../../src-main/engine/data/cache.js';
import { demoGeneratorKey, ensureDemoDataset } from '../../../src-main/services/demo-dataset.js';
import { openWorkbenchHost } from '../../../src-main/services/workbench-host.js';
import type { WorkbenchHost } from '../../../src-main/services/workbench-host.js';
import { homeLayout } from '../../../src-main/store/home-layout.js';

let home = '';
let host: WorkbenchHost;

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'rtk-demo-dataset-'));
  host = openWorkbenchHost({ homeDirectory: home, mode: 'lab', forcedBackend: 'wasm' });
});

afterAll(async () => {
  await host.close();
  rmSync(home, { recursive: true, force: true });
});

function context() {
  return { store: host.store, supervisor: host.importSupervisor, homeDirectory: home };
}

describe('the demo dataset service', () => {
  it('has the worker draw the dataset once, records it with its generator key, and finds it again without drawing', async () => {
    const request = { trainCount: 60, testCount: 20, seed: 4, name: 'Demo shapes (test)' };
    const jobs = vi.spyOn(host.importSupervisor, 'run');
    const [first, concurrent] = await Promise.all([
      ensureDemoDataset(context(), request),
      ensureDemoDataset(context(), request),
    ]);
    expect(jobs).toHaveBeenCalledTimes(1);
    expect(jobs.mock.calls[0]?.[0]).toMatchObject({ type: 'generate-demo-dataset', trainCount: 60, seed: 4 });
    expect(first.created).toBe(true);
    expect(concurrent).toEqual(first);
    expect(first.dataset).toMatchObject({
      name: 'Demo shapes (test)',
      trainCount: 60,
      testCount: 20,
      classCount: 10,
    });
    const stored = host.store.datasets.get(first.dataset.id);
    expect(stored?.cachePath).toBe(join(home, 'datasets', first.dataset.id));
    expect(verifyCache(stored?.cachePath ?? '')).toBe(true);
    // The fingerprint the worker computed is the one the generator gives in this process.
    expect(readManifest(stored?.cachePath ?? '').fingerprint).toBe(generateDemoDataset(request).fingerprint);
    expect(host.store.datasets.findByGenerator(demoGeneratorKey(request))?.id).toBe(first.dataset.id);

    const again = await ensureDemoDataset(context(), request);
    expect(again).toEqual({ dataset: first.dataset, created: false });
    expect(jobs).toHaveBeenCalledTimes(1);
    jobs.mockRestore();
  });

  it('takes over a copy recorded before generator keys were kept, and removes the copy it drew', async () => {
    const options = { trainCount: 40, testCount: 20, seed: 6 };
    const legacyPath = homeLayout(home).datasetFolder('legacy-demo');
    const manifest = await writeDemoCache(generateDemoDataset(options), legacyPath, options);
    host.store.datasets.insert({
      id: 'legacy-demo',
      name: manifest.name,
      format: manifest.format,
      imageHeight: 32,
      imageWidth: 32,
      channels: 3,
      classCount: 10,
      trainCount: 40,
      testCount: 20,
      fingerprint: manifest.fingerprint,
      cachePath: legacyPath,
      manifest,
    });
    const before = readdirSync(join(home, 'datasets')).sort();
    const request = { ...options, name: 'Demo shapes' };
    const found = await ensureDemoDataset(context(), request);
    expect(found).toMatchObject({ dataset: { id: 'legacy-demo' }, created: false });
    expect(readdirSync(join(home, 'datasets')).sort()).toEqual(before);
    expect(host.store.datasets.findByGenerator(demoGeneratorKey(request))?.id).toBe('legacy-demo');
  });

  it('names the missing folder when a recorded demo dataset lost its files', async () => {
    const request = { trainCount: 30, testCount: 10, seed: 8, name: 'Demo shapes' };
    const { dataset } = await ensureDemoDataset(context(), request);
    const cachePath = join(home, 'datasets', dataset.id);
    rmSync(cachePath, { recursive: true });
    await expect(ensureDemoDataset(context(), request)).rejects.toThrow(
      `The demo dataset ${dataset.id} is recorded but its files are missing from ${cachePath}`,
    );
    expect(existsSync(cachePath)).toBe(false);
  });
});

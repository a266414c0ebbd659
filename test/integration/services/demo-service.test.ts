import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoStatus } from '../../../src-shared/contracts/demo-types.js';
import { demoSizeFromEnvironment, demoSpec } from '../../../src-main/services/demo-service.js';
import type { FollowedRuns } from '../../../src-main/services/demo-service.js';
import { openWorkbenchHost } from '../../../src-main/services/workbench-host.js';
import type { WorkbenchHost } from '../../../src-main/services/workbench-host.js';
import { addDemoDataset } from '../../support/demo-dataset.js';

let home = '';
let host: WorkbenchHost;
let datasetId = '';

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rtk-demo-service-'));
  host = openWorkbenchHost({ homeDirectory: home, mode: 'lab', forcedBackend: 'wasm', demoSize: 'small' });
  // The small demo's dataset, already in the store: the demo finds it by its generator key and draws nothing.
  datasetId = (await addDemoDataset(host.store, home, { trainCount: 400, testCount: 200, seed: 1 })).dataset
    .id;
});

afterAll(async () => {
  await host.close();
  rmSync(home, { recursive: true, force: true });
});

describe('the demo service', () => {
  it('creates the demo experiment, gives the running demo to a second start, and stops when its runs stop', async () => {
    const statuses: DemoStatus[] = [];
    const unsubscribe = host.services.events.subscribe((name, payload) => {
      if (name === 'onDemoStatus') statuses.push(payload as DemoStatus);
    });
    let release: (outcome: FollowedRuns) => void = () => undefined;
    const followed: string[][] = [];
    const first = host.services.demo.start({
      follow: (runIds) => {
        followed.push([...runIds]);
        return new Promise((resolve) => (release = resolve));
      },
    });
    const ready = await first.ready;
    expect(ready).toMatchObject({ size: 'small', phase: 'training', datasetId, runsTotal: 4, runsDone: 0 });
    const details = await host.services.handlers.getExperiment({ id: ready.experimentId ?? '' });
    expect(details.spec).toEqual(demoSpec(datasetId, 'small'));
    expect(details.runs.map((run) => [run.role, run.method])).toEqual([
      ['teacher', 'none'],
      ['student', 'none'],
      ['student', 'kd'],
      ['student', 'rtk'],
    ]);
    expect(followed).toEqual([details.runs.map((run) => run.id)]);

    const second = host.services.demo.start();
    expect(second).toBe(first);
    expect(await host.services.handlers.startDemo({})).toEqual(ready);
    expect(host.services.demo.current?.id).toBe(ready.id);

    release({ stopped: 'Paused with Ctrl+C.' });
    const ended = await first.finished;
    unsubscribe();
    expect(ended).toMatchObject({ phase: 'stopped', export: null, recommendedRunId: null });
    expect(ended.message).toContain('Paused with Ctrl+C. Resume the demo');
    expect(ended.finishedAt).not.toBeNull();
    expect(statuses.map((status) => status.phase)).toEqual(['dataset', 'dataset', 'training', 'stopped']);
    expect((await host.services.handlers.getDemo({})).demo).toEqual(ended);

    // Once a demo has ended, the next start is a new demo with its own experiment.
    const next = host.services.demo.start({
      follow: () => Promise.resolve({ stopped: 'Stopped by the test.' }),
    });
    const nextReady = await next.ready;
    expect(nextReady.id).not.toBe(ready.id);
    expect(nextReady.experimentId).not.toBe(ready.experimentId);
    expect((await next.finished).phase).toBe('stopped');
  });

  it('fails with the reason, and refuses to start, when its dataset cannot be had', async () => {
    const cachePath = join(home, 'datasets', datasetId);
    rmSync(cachePath, { recursive: true });
    const reason = `The demo dataset ${datasetId} is recorded but its files are missing from ${cachePath}`;
    const failing = host.services.demo.start({ follow: () => Promise.resolve({ stopped: null }) });
    await expect(failing.ready).rejects.toThrow(reason);
    const outcome = await failing.finished;
    expect(outcome).toMatchObject({ phase: 'failed', experimentId: null });
    expect(outcome.message).toContain(reason);
    await expect(host.services.handlers.startDemo({})).rejects.toThrow(reason);
  });

  it('reads its size from RTK_WORKBENCH_DEMO_SIZE and refuses an unknown one', () => {
    expect(demoSizeFromEnvironment({})).toBe('standard');
    expect(demoSizeFromEnvironment({ RTK_WORKBENCH_DEMO_SIZE: 'small' })).toBe('small');
    expect(() => demoSizeFromEnvironment({ RTK_WORKBENCH_DEMO_SIZE: 'huge' })).toThrow(
      'RTK_WORKBENCH_DEMO_SIZE must be one of standard, small, not "huge".',
    );
  });
});

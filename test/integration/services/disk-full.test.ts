import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EpochRecord } from '../../../src-shared/contracts/run-types.js';
import { experimentSpecSchema } from '../../../src-shared/domain/experiment-spec.js';
import type { ExperimentSpecInput } from '../../../src-shared/domain/experiment-spec.js';
import { openWorkbenchHost } from '../../../src-main/services/workbench-host.js';
import type { WorkbenchHost } from '../../../src-main/services/workbench-host.js';
import { ensureDemoDataset } from '../../../src-main/services/demo-dataset.js';

let host: WorkbenchHost;
let home = '';
let datasetId = '';

function spec(name: string): ExperimentSpecInput {
  return {
    name,
    datasetId,
    teacher: { source: 'train', backbone: 'resnet8' },
    student: { backbone: 'resnet8' },
    methods: ['none'],
    schedule: { epochs: 3, batchSize: 50, learningRateSchedule: { kind: 'constant' } },
    seeds: [3, 4],
  };
}

function withoutTimings(records: readonly EpochRecord[]) {
  return records.map(({ seconds: _seconds, imagesPerSecond: _speed, ...rest }) => rest);
}

/** Resolves when the run has recorded `epochs` epochs (its metrics are in the store). */
function afterEpoch(runId: string, epochs: number): Promise<void> {
  return new Promise((resolve) => {
    const unsubscribe = host.services.events.subscribe((name) => {
      if (name === 'onRunEpoch' && (host.store.runs.get(runId)?.epochsDone ?? 0) >= epochs) {
        unsubscribe();
        resolve();
      }
    });
  });
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rtk-disk-full-'));
  host = openWorkbenchHost({ homeDirectory: home, mode: 'lab', forcedBackend: 'wasm' });
  datasetId = (
    await ensureDemoDataset(
      { store: host.store, supervisor: host.importSupervisor, homeDirectory: home },
      { trainCount: 100, testCount: 50, seed: 9, name: 'Demo shapes' },
    )
  ).dataset.id;
  expect(host.services.claimHome('serve', 'the disk-full test').claimed).toBe(true);
});

afterAll(async () => {
  await host.close();
  rmSync(home, { recursive: true, force: true });
});

describe('a full disk during training', () => {
  it('fails the run with the free space, halts the queue, and resume continues once there is room', async () => {
    const created = await host.services.handlers.createExperiment({
      spec: experimentSpecSchema.parse(spec('Disk fills up')),
    });
    const run = created.runs[0];
    if (run === undefined) throw new Error('no run');
    await afterEpoch(run.id, 1);
    // From here on every epoch's metrics meet SQLITE_FULL, the error SQLite gives when the disk is full.
    const recordEpoch = vi.spyOn(host.store.runs, 'recordEpoch').mockImplementation(() => {
      throw new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
    });
    await host.services.runQueue.whenIdle();
    const failed = host.store.runs.get(run.id);
    expect(failed?.status).toBe('failed');
    expect(failed?.error).toMatch(new RegExp(`^The disk is full: [0-9.]+ MB free on ${home}\\. `));
    expect(host.services.runQueue.haltReason).toMatch(/^The disk is full/);
    expect(host.store.runs.listOfExperiment(created.experiment.id).map((each) => each.status)).toEqual([
      'failed',
      'queued',
    ]);
    expect(host.store.runs.epochs(run.id).map((record) => record.epoch)).toEqual([1]);

    recordEpoch.mockRestore();
    await host.services.handlers.resumeRun({ id: run.id });
    await host.services.runQueue.whenIdle();
    expect(host.services.runQueue.haltReason).toBeNull();
    const statuses = host.store.runs.listOfExperiment(created.experiment.id).map((each) => each.status);
    expect(statuses).toEqual(['done', 'done']);
    expect(host.store.runs.epochs(run.id).map((record) => record.epoch)).toEqual([1, 2, 3]);

    // The same run without the full disk, for comparison: resuming changed nothing but the timings.
    const again = await host.services.handlers.createExperiment({
      spec: experimentSpecSchema.parse({ ...spec('Never full'), seeds: [3] }),
    });
    await host.services.runQueue.whenIdle();
    const uninterrupted = again.runs[0];
    if (uninterrupted === undefined) throw new Error('no run');
    expect(withoutTimings(host.store.runs.epochs(run.id))).toEqual(
      withoutTimings(host.store.runs.epochs(uninterrupted.id)),
    );
  });

  it('keeps the process alive when even the run status cannot be written; the next owner marks it interrupted', async () => {
    const created = await host.services.handlers.createExperiment({
      spec: experimentSpecSchema.parse(spec('Nothing fits')),
    });
    const run = created.runs[0];
    if (run === undefined) throw new Error('no run');
    const full = new Database.SqliteError('database or disk is full', 'SQLITE_FULL');
    const original = host.store.runs.setStatus.bind(host.store.runs);
    const setStatus = vi
      .spyOn(host.store.runs, 'setStatus')
      .mockImplementation((id, status, error, backend) => {
        if (status === 'done' || status === 'failed') throw full;
        original(id, status, error, backend);
      });
    try {
      await host.services.runQueue.whenIdle();
      expect(host.services.runQueue.haltReason).toMatch(/^The disk is full/);
      expect(host.store.runs.get(run.id)?.status).toBe('running');
    } finally {
      setStatus.mockRestore();
    }
    // A restart: the home is given up and claimed again, as the next process to open it would.
    host.services.releaseHome();
    expect(host.services.claimHome('serve', 'the disk-full test, restarted').claimed).toBe(true);
    expect(host.store.runs.get(run.id)?.status).toBe('interrupted');
    await host.services.handlers.resumeRun({ id: run.id });
    await host.services.runQueue.whenIdle();
    expect(host.store.runs.listOfExperiment(created.experiment.id).map((each) => each.status)).toEqual([
      'done',
      'done',
    ]);
  });
});

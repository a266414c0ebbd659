import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { WorkerSupervisor } from '../../../src-main/jobs/worker-supervisor.js';
import { createWorkbenchServices } from '../../../src-main/services/workbench-services.js';
import { callNames } from '../../../src-shared/contracts/api.js';
import { openWorkbenchStore } from '../../../src-main/store/workbench-store.js';
import { currentCard } from '../../support/model-card-fixtures.js';
import { fixtureManifest, fixtureSpec } from '../../support/stored-fixtures.js';

function services(
  openFolder?: (path: string) => Promise<void>,
  pickPath?: (kind: 'file' | 'folder') => Promise<string | null>,
) {
  const homeDirectory = mkdtempSync(join(tmpdir(), 'rtk-services-'));
  const store = openWorkbenchStore(homeDirectory);
  // These calls never reach the compute worker, so a launcher that fails proves it is not started.
  const supervisor = new WorkerSupervisor(() => {
    throw new Error('the worker must not start');
  });
  store.datasets.insert({
    id: 'd1',
    name: 'tiny',
    format: 'cifar10',
    fingerprint: 'f1',
    imageHeight: 32,
    imageWidth: 32,
    channels: 3,
    classCount: 10,
    trainCount: 10,
    testCount: 10,
    cachePath: join(homeDirectory, 'datasets', 'd1'),
    manifest: fixtureManifest(),
  });
  store.experiments.insert({ id: 'e1', name: 'first', datasetId: 'd1', spec: fixtureSpec() });
  store.runs.createMany([
    {
      id: 'r1',
      experimentId: 'e1',
      role: 'student',
      method: 'rtk',
      backbone: 'resnet8',
      seed: 1,
      teacherRunId: null,
      configJson: '{}',
      epochsTotal: 1,
    },
  ]);
  store.database.connection
    .prepare(
      'INSERT INTO exports (id, run_id, format, precision, path, report_json, created_at) ' +
        "VALUES ('x1', 'r1', 'onnx', 'float32', '/exports/rtk-onnx', ?, '2026-01-01T00:00:00Z')",
    )
    .run(JSON.stringify(currentCard()));
  return createWorkbenchServices({
    store,
    supervisor,
    importSupervisor: supervisor,
    homeDirectory,
    mode: openFolder === undefined ? 'lab' : 'desktop',
    forcedBackend: null,
    ...(openFolder === undefined ? {} : { openFolder }),
    ...(pickPath === undefined ? {} : { pickPath }),
  });
}

describe('the workbench services added for the UI', () => {
  it('opens only the folder of a recorded export, and only in the desktop app', async () => {
    const openFolder = vi.fn(() => Promise.resolve());
    const desktop = services(openFolder);
    await expect(desktop.handlers.openExportFolder({ id: 'x1' })).resolves.toEqual({ opened: true });
    expect(openFolder).toHaveBeenCalledWith('/exports/rtk-onnx');
    await expect(desktop.handlers.openExportFolder({ id: '/etc' })).rejects.toThrow(
      'There is no export /etc.',
    );
    expect(openFolder).toHaveBeenCalledTimes(1);
    await expect(services().handlers.openExportFolder({ id: 'x1' })).rejects.toThrow(/Only the desktop app/);
  });

  it('offers the native file dialog only in the desktop app, passing on the choice or a cancel', async () => {
    const pickPath = vi.fn((kind: 'file' | 'folder') =>
      Promise.resolve(kind === 'folder' ? '/data/cifar' : null),
    );
    const desktop = services(() => Promise.resolve(), pickPath);
    await expect(desktop.handlers.pickPath({ kind: 'folder' })).resolves.toEqual({ path: '/data/cifar' });
    await expect(desktop.handlers.pickPath({ kind: 'file' })).resolves.toEqual({ path: null });
    expect(pickPath).toHaveBeenCalledTimes(2);
    await expect(services().handlers.pickPath({ kind: 'file' })).rejects.toThrow(
      /Only the desktop app has a file dialog/,
    );
  });

  it('has no import to cancel when none is in flight', async () => {
    await expect(services().handlers.cancelImport({})).resolves.toEqual({ stopped: false });
  });

  it('answers every call of the contract and nothing else', () => {
    expect(Object.keys(services().handlers).sort()).toEqual([...callNames].sort());
  });

  it('keeps the doctor’s failure for the home screen instead of a status', async () => {
    const lab = services();
    await expect(lab.handlers.getEngineStatus({ refresh: false })).rejects.toThrow(
      'the worker must not start',
    );
    const home = await lab.handlers.getHome({});
    expect(home.engine).toBeNull();
    expect(home.engineError).toBe('the worker must not start');
    expect(home.datasets.map((dataset) => dataset.id)).toEqual(['d1']);
    expect(home.experiments.map((experiment) => experiment.id)).toEqual(['e1']);
  });

  it('names the run that does not exist, and lists an experiment’s runs', async () => {
    const lab = services();
    await expect(lab.handlers.getRun({ id: 'r9' })).rejects.toThrow('There is no run r9.');
    const runs = await lab.handlers.listRuns({ experimentId: 'e1' });
    expect(runs.map((run) => run.id)).toEqual(['r1']);
    await expect(lab.handlers.listRuns({ experimentId: 'e2' })).resolves.toEqual([]);
  });
});

import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { workbenchCalls } from '../../../src-shared/contracts/api.js';
import type { CallName, EventPayload } from '../../../src-shared/contracts/api.js';
import { dispatchCall } from '../../../src-shared/contracts/dispatch.js';
import type { WorkerExit, WorkerProcess } from '../../../src-main/jobs/worker-process.js';
import { WorkerSupervisor } from '../../../src-main/jobs/worker-supervisor.js';
import { createWorkbenchServices } from '../../../src-main/services/workbench-services.js';
import type { WorkbenchServices } from '../../../src-main/services/workbench-services.js';
import {
  addDataset,
  addExperiment,
  addExport,
  addTeacher,
  finishRuns,
  makeHousekeepingHome,
  writeFiles,
} from '../../support/housekeeping-home.js';
import type { HousekeepingHome } from '../../support/housekeeping-home.js';

/** A worker that starts and never answers: a job sent to it stays in flight until the worker is stopped. */
function silentWorker(): WorkerProcess {
  const exits: ((exit: WorkerExit) => void)[] = [];
  return {
    pid: 1,
    send: () => undefined,
    kill: () => {
      for (const listener of exits) listener({ code: null, signal: 'SIGKILL' });
    },
    onMessage: () => undefined,
    onExit: (listener) => exits.push(listener),
    onErrorOutput: () => undefined,
  };
}

let fixture: HousekeepingHome;
let services: WorkbenchServices;
let supervisor: WorkerSupervisor;
let changes: EventPayload<'onWorkbenchChanged'>[];

function open(): void {
  supervisor = new WorkerSupervisor(silentWorker);
  services = createWorkbenchServices({
    store: fixture.store,
    supervisor,
    importSupervisor: supervisor,
    homeDirectory: fixture.home,
    mode: 'lab',
    forcedBackend: null,
  });
  changes = [];
  services.events.subscribe((name, payload) => {
    if (name === 'onWorkbenchChanged') changes.push(payload as EventPayload<'onWorkbenchChanged'>);
  });
}

async function call(name: CallName, argumentsValue: unknown): Promise<unknown> {
  const outcome = await dispatchCall(services.handlers, workbenchCalls[name].channel, argumentsValue);
  if (!outcome.ok) throw new Error(outcome.error.message);
  return outcome.result;
}

beforeEach(() => {
  fixture = makeHousekeepingHome();
});

afterEach(async () => {
  await supervisor.shutdown();
  await services.whenSwept();
  fixture.store.close();
  rmSync(fixture.root, { recursive: true, force: true });
});

describe('the rename calls', () => {
  it('rename datasets, experiments, exports and teachers, trimmed, and say so to open lists', async () => {
    const datasetId = addDataset(fixture, 'cifar-10-batches-bin');
    const teacher = addTeacher(fixture, datasetId, 'resnet56.onnx');
    const experiment = addExperiment(
      fixture,
      datasetId,
      'Untitled',
      { source: 'train', backbone: 'resnet8' },
      ['kd'],
    );
    const runId = experiment.runs[0]?.id ?? '';
    const exportId = addExport(fixture, runId, join(fixture.home, 'exports', 'untitled-kd-seed-1'));
    open();
    expect(await call('renameDataset', { id: datasetId, name: '  CIFAR-10  ' })).toMatchObject({
      id: datasetId,
      name: 'CIFAR-10',
    });
    await call('renameExperiment', { id: experiment.experiment.id, name: 'Distil resnet8' });
    expect(fixture.store.experiments.get(experiment.experiment.id)).toMatchObject({
      name: 'Distil resnet8',
      datasetName: 'CIFAR-10',
    });
    expect(fixture.store.experiments.get(experiment.experiment.id)?.spec).toMatchObject({
      name: 'Distil resnet8',
    });
    expect(await call('renameExport', { id: exportId, name: 'For the phone' })).toMatchObject({
      name: 'For the phone',
      directory: join(fixture.home, 'exports', 'untitled-kd-seed-1'),
    });
    expect(await call('renameTeacher', { id: teacher.id, name: 'ResNet-56' })).toMatchObject({
      name: 'ResNet-56',
      sourcePath: teacher.sourcePath,
    });
    expect(
      changes.map((change) => [change.change, change.entries[0]?.kind, change.entries[0]?.name]),
    ).toEqual([
      ['renamed', 'dataset', 'CIFAR-10'],
      ['renamed', 'experiment', 'Distil resnet8'],
      ['renamed', 'export', 'For the phone'],
      ['renamed', 'teacher', 'ResNet-56'],
    ]);
    await expect(call('renameDataset', { id: 'nope', name: 'x' })).rejects.toThrow(
      'There is no dataset nope in this workbench.',
    );
  });
});

describe('the delete calls', () => {
  it('delete a run, derive its experiment’s status from the runs left, and tell open lists', async () => {
    const datasetId = addDataset(fixture, 'Flowers');
    const experiment = addExperiment(fixture, datasetId, 'KD', { source: 'train', backbone: 'resnet8' }, [
      'kd',
    ]);
    const kd = experiment.runs.find((run) => run.method === 'kd');
    if (kd === undefined) throw new Error('no KD run');
    finishRuns(
      fixture,
      experiment.runs.filter((run) => run !== kd).map((run) => run.id),
    );
    fixture.store.runs.setStatus(kd.id, 'paused');
    open();
    expect(fixture.store.experiments.get(experiment.experiment.id)?.status).toBe('queued');
    const outcome = await call('deleteRun', { id: kd.id });
    const entry = { kind: 'run', id: kd.id, name: 'KD resnet8 seed 1' };
    expect(outcome).toMatchObject({ deleted: [entry] });
    expect(changes).toEqual([{ change: 'deleted', entries: [entry] }]);
    expect(existsSync(join(fixture.home, 'runs', kd.id))).toBe(false);
    expect(fixture.store.experiments.get(experiment.experiment.id)?.status).toBe('done');
  });

  it('refuse to pull a run from under an export this process is writing', async () => {
    const datasetId = addDataset(fixture, 'Flowers');
    const experiment = addExperiment(
      fixture,
      datasetId,
      'Export me',
      { source: 'train', backbone: 'resnet8' },
      ['none'],
    );
    const runId = experiment.runs[0]?.id ?? '';
    finishRuns(fixture, [runId]);
    open();
    const exporting = call('exportRun', { runId, format: 'onnx' });
    const plan = (await call('describeDeletion', { kind: 'experiment', id: experiment.experiment.id })) as {
      blockers: string[];
      allowed: boolean;
    };
    expect(plan.allowed).toBe(false);
    expect(plan.blockers).toEqual([`Run ${runId} is being exported; wait until the export ends.`]);
    await supervisor.shutdown();
    await expect(exporting).rejects.toThrow();
    expect(
      (
        (await call('describeDeletion', { kind: 'experiment', id: experiment.experiment.id })) as {
          allowed: boolean;
        }
      ).allowed,
    ).toBe(true);
  });

  it('sweep what an interrupted deletion left when the services start', async () => {
    writeFiles(join(fixture.home, 'runs', '.deleting-0b1c'), { 'checkpoint/weights.bin': 10 });
    open();
    await services.whenSwept();
    expect(existsSync(join(fixture.home, 'runs', '.deleting-0b1c'))).toBe(false);
  });
});

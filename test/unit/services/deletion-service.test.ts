import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { processStartOf } from '../../../src-main/services/home-ownership.js';
import { DeletionRefusedError, DeletionService } from '../../../src-main/services/deletion-service.js';
import type { DeletionContext } from '../../../src-main/services/deletion-service.js';
import {
  addDataset,
  addExperiment,
  addExport,
  addTeacher,
  countRows,
  finishRuns,
  makeHousekeepingHome,
  writeFiles,
} from '../../support/housekeeping-home.js';
import type { HousekeepingHome } from '../../support/housekeeping-home.js';

const alone = { withDependents: false, exportFolders: false };
const withDependents = { withDependents: true, exportFolders: false };

let fixture: HousekeepingHome;

beforeEach(() => {
  fixture = makeHousekeepingHome();
});

afterEach(() => {
  fixture.store.close();
  rmSync(fixture.root, { recursive: true, force: true });
});

function service(overrides: Partial<DeletionContext> = {}): DeletionService {
  return new DeletionService({
    store: fixture.store,
    homeDirectory: fixture.home,
    activeRunId: () => null,
    ...overrides,
  });
}

function runFolder(runId: string): string {
  return join(fixture.home, 'runs', runId);
}

/** A dataset with a trained-teacher experiment (teacher, student alone, KD) and an imported teacher. */
function datasetWithEverything() {
  const datasetId = addDataset(fixture, 'Flowers');
  const teacher = addTeacher(fixture, datasetId, 'My ResNet');
  const trained = addExperiment(fixture, datasetId, 'First try', { source: 'train', backbone: 'resnet8' }, [
    'kd',
  ]);
  const fromImported = addExperiment(
    fixture,
    datasetId,
    'With my teacher',
    {
      source: 'imported',
      teacherId: teacher.id,
    },
    ['kd'],
  );
  const kdRun = trained.runs.find((run) => run.method === 'kd');
  if (kdRun === undefined) throw new Error('no KD run');
  finishRuns(
    fixture,
    trained.runs.map((run) => run.id),
  );
  const homeExport = join(fixture.home, 'exports', 'first-try-kd');
  const outsideExport = join(fixture.outside, 'edge', 'student');
  const homeExportId = addExport(fixture, kdRun.id, homeExport);
  const outsideExportId = addExport(fixture, kdRun.id, outsideExport);
  return {
    datasetId,
    teacher,
    trained,
    fromImported,
    kdRun,
    homeExport,
    outsideExport,
    homeExportId,
    outsideExportId,
  };
}

describe('deleting a dataset', () => {
  it('is refused with the list of what uses it, and then nothing changes', () => {
    const setup = datasetWithEverything();
    const plan = service().describe('dataset', setup.datasetId, alone);
    expect(plan.allowed).toBe(false);
    expect(plan.dependents.map((entry) => [entry.kind, entry.name])).toEqual([
      ['experiment', 'First try'],
      ['experiment', 'With my teacher'],
      ['teacher', 'My ResNet'],
    ]);
    expect(() => service().commit('dataset', setup.datasetId, alone)).toThrow(DeletionRefusedError);
    expect(() => service().commit('dataset', setup.datasetId, alone)).toThrow(
      /Cannot delete dataset "Flowers" alone: experiment "First try", experiment "With my teacher", teacher "My ResNet" depend on it\..*Nothing was deleted\./,
    );
    expect(countRows(fixture.store, 'datasets')).toBe(1);
    expect(countRows(fixture.store, 'runs')).toBe(5);
    expect(existsSync(join(fixture.home, 'datasets', setup.datasetId, 'pixels.bin'))).toBe(true);
  });

  it('with its dependents removes every row and folder in the home, and keeps what is outside', async () => {
    const setup = datasetWithEverything();
    const plan = service().describe('dataset', setup.datasetId, withDependents);
    expect(plan.allowed).toBe(true);
    const datasetFolder = plan.folders.find((folder) => folder.owner.kind === 'dataset');
    expect(datasetFolder).toMatchObject({ action: 'remove', bytes: 1200 });
    expect(plan.folders.find((folder) => folder.owner.kind === 'teacher')).toMatchObject({ bytes: 300 });
    expect(
      plan.folders.filter((folder) => folder.owner.kind === 'run').map((folder) => folder.bytes),
    ).toEqual([500, 500, 500, 500, 500]);
    expect(plan.exportFoldersOutsideHome).toBe(1);
    expect(plan.folders.find((folder) => folder.path === setup.outsideExport)).toMatchObject({
      action: 'keep',
      reason: expect.stringContaining('outside the workbench home') as string,
    });

    const outcome = await service().delete('dataset', setup.datasetId, withDependents);
    for (const table of ['datasets', 'experiments', 'runs', 'teachers', 'exports', 'pending_deletions']) {
      expect(countRows(fixture.store, table), table).toBe(0);
    }
    expect(outcome.deleted.filter((entry) => entry.kind === 'run')).toHaveLength(5);
    expect(readdirSync(join(fixture.home, 'datasets'))).toEqual([]);
    expect(readdirSync(join(fixture.home, 'runs'))).toEqual([]);
    expect(readdirSync(join(fixture.home, 'teachers'))).toEqual([]);
    expect(readdirSync(join(fixture.home, 'exports'))).toEqual([]);
    expect(outcome.keptFolders).toEqual([
      { path: setup.outsideExport, reason: expect.any(String) as string },
    ]);
    expect(readFileSync(join(setup.outsideExport, 'model.onnx')).length).toBe(250);
    expect(readFileSync(setup.teacher.sourcePath, 'utf8')).toBe('the user’s own teacher file');
    expect(outcome.removedFolders.reduce((total, folder) => total + folder.bytes, 0)).toBe(
      1200 + 300 + 5 * 500 + plan.folders.find((folder) => folder.path === setup.homeExport)!.bytes,
    );
  });

  it('removes export folders outside the home too when asked, but only the ones that hold nothing else', async () => {
    const setup = datasetWithEverything();
    const userFolder = join(fixture.outside, 'shared-with-notes');
    const withNotes = addExport(fixture, setup.kdRun.id, userFolder);
    writeFileSync(join(userFolder, 'notes.txt'), 'mine');
    const plan = service().describe('dataset', setup.datasetId, {
      withDependents: true,
      exportFolders: true,
    });
    expect(plan.folders.find((folder) => folder.owner.id === withNotes)).toMatchObject({
      action: 'keep',
      reason: expect.stringContaining('notes.txt') as string,
    });
    await service().delete('dataset', setup.datasetId, { withDependents: true, exportFolders: true });
    expect(existsSync(setup.outsideExport)).toBe(false);
    expect(readdirSync(join(fixture.outside, 'edge'))).toEqual([]);
    expect(readFileSync(join(userFolder, 'notes.txt'), 'utf8')).toBe('mine');
    expect(existsSync(join(userFolder, 'model-card.json'))).toBe(true);
  });

  it('rolls everything back when a row it does not know still points at a run', () => {
    const setup = datasetWithEverything();
    fixture.store.database.connection.exec(
      `CREATE TABLE notes (run_id TEXT REFERENCES runs (id)); INSERT INTO notes VALUES ('${setup.kdRun.id}');`,
    );
    expect(() => service().commit('dataset', setup.datasetId, withDependents)).toThrow(/FOREIGN KEY/);
    expect(countRows(fixture.store, 'datasets')).toBe(1);
    expect(countRows(fixture.store, 'runs')).toBe(5);
    expect(countRows(fixture.store, 'pending_deletions')).toBe(0);
    expect(existsSync(runFolder(setup.kdRun.id))).toBe(true);
  });

  it('keeps a cache folder that is not in the home’s datasets folder and removes only a link, never its target', async () => {
    const first = addDataset(fixture, 'Moved away');
    const elsewhere = join(fixture.outside, 'cache-copy');
    writeFiles(elsewhere, { 'pixels.bin': 10 });
    fixture.store.database.connection
      .prepare(`UPDATE datasets SET cache_path = ? WHERE id = ?`)
      .run(elsewhere, first);
    const outcome = await service().delete('dataset', first, alone);
    expect(outcome.keptFolders).toEqual([
      { path: elsewhere, reason: "it is outside the workbench's datasets folder" },
    ]);
    expect(existsSync(join(elsewhere, 'pixels.bin'))).toBe(true);

    const linked = addDataset(fixture, 'Linked');
    const linkedFolder = join(fixture.home, 'datasets', linked);
    rmSync(linkedFolder, { recursive: true });
    symlinkSync(elsewhere, linkedFolder);
    const plan = service().describe('dataset', linked, alone);
    expect(plan.folders[0]).toMatchObject({
      action: 'remove',
      bytes: 0,
      reason: expect.stringContaining('link') as string,
    });
    await service().delete('dataset', linked, alone);
    expect(existsSync(linkedFolder)).toBe(false);
    expect(existsSync(join(elsewhere, 'pixels.bin'))).toBe(true);
  });
});

describe('deleting an experiment, a run or a teacher', () => {
  it('takes an experiment’s runs, their folders and export records, and leaves the dataset and other experiments', async () => {
    const setup = datasetWithEverything();
    const plan = service().describe('experiment', setup.trained.experiment.id, alone);
    expect(plan.allowed).toBe(true);
    expect(plan.dependents).toEqual([]);
    await service().delete('experiment', setup.trained.experiment.id, alone);
    expect(fixture.store.experiments.list().map((experiment) => experiment.name)).toEqual([
      'With my teacher',
    ]);
    expect(countRows(fixture.store, 'runs')).toBe(2);
    expect(countRows(fixture.store, 'exports')).toBe(0);
    for (const run of setup.trained.runs) expect(existsSync(runFolder(run.id))).toBe(false);
    for (const run of setup.fromImported.runs) expect(existsSync(runFolder(run.id))).toBe(true);
    expect(existsSync(join(fixture.home, 'datasets', setup.datasetId))).toBe(true);
    expect(existsSync(setup.homeExport)).toBe(false);
    expect(existsSync(join(setup.outsideExport, 'model.onnx'))).toBe(true);
  });

  it('refuses to take a teacher run another experiment learns from, unless that experiment goes too', async () => {
    const setup = datasetWithEverything();
    const teacherRun = setup.trained.runs.find((run) => run.role === 'teacher');
    if (teacherRun === undefined) throw new Error('no teacher run');
    const reuse = addExperiment(fixture, setup.datasetId, 'Reuse', { source: 'run', runId: teacherRun.id }, [
      'rtk',
    ]);
    const plan = service().describe('experiment', setup.trained.experiment.id, alone);
    expect(plan.dependents.map((entry) => entry.name)).toEqual(['Reuse']);
    expect(plan.allowed).toBe(false);
    await service().delete('experiment', setup.trained.experiment.id, withDependents);
    expect(fixture.store.experiments.get(reuse.experiment.id)).toBeUndefined();
    for (const run of reuse.runs) expect(existsSync(runFolder(run.id))).toBe(false);
  });

  it('refuses to take a teacher run its students learn from, and takes a student run alone', async () => {
    const setup = datasetWithEverything();
    const teacherRun = setup.trained.runs.find((run) => run.role === 'teacher');
    if (teacherRun === undefined) throw new Error('no teacher run');
    expect(service().describe('run', teacherRun.id, alone).dependents).toEqual([
      { kind: 'run', id: setup.kdRun.id, name: 'KD resnet8 seed 1' },
    ]);
    const outcome = await service().delete('run', setup.kdRun.id, alone);
    expect(outcome.deleted.map((entry) => entry.kind).sort()).toEqual(['export', 'export', 'run']);
    expect(fixture.store.runs.get(setup.kdRun.id)).toBeUndefined();
    expect(existsSync(runFolder(setup.kdRun.id))).toBe(false);
    expect(service().describe('run', teacherRun.id, alone).allowed).toBe(true);
  });

  it('refuses to take an imported teacher an experiment learns from; the user’s teacher file stays', async () => {
    const setup = datasetWithEverything();
    expect(() => service().commit('teacher', setup.teacher.id, alone)).toThrow(
      /teacher "My ResNet" alone: experiment "With my teacher" depends on it/,
    );
    await service().delete('teacher', setup.teacher.id, withDependents);
    expect(fixture.store.teachers.get(setup.teacher.id)).toBeUndefined();
    expect(fixture.store.experiments.get(setup.fromImported.experiment.id)).toBeUndefined();
    expect(existsSync(join(fixture.home, 'teachers', setup.teacher.id))).toBe(false);
    expect(existsSync(setup.teacher.sourcePath)).toBe(true);
  });

  it('never takes a run that is training, here or in another live process', () => {
    const setup = datasetWithEverything();
    const runId = setup.fromImported.runs[0]?.id ?? '';
    fixture.store.runs.setStatus(runId, 'running');
    const here = service({ activeRunId: () => runId }).describe(
      'experiment',
      setup.fromImported.experiment.id,
      alone,
    );
    expect(here.allowed).toBe(false);
    expect(here.blockers).toEqual([expect.stringMatching(/is training; pause or cancel it first\.$/)]);
    // A run left "running" by a process that is gone is not training: it may go.
    expect(service().describe('experiment', setup.fromImported.experiment.id, alone).allowed).toBe(true);
    const now = new Date().toISOString();
    fixture.store.owner.claim(
      {
        pid: process.pid,
        hostName: hostname(),
        processStart: processStartOf(process.pid),
        kind: 'serve',
        description: 'rtk-workbench serve on 127.0.0.1:8765',
        claimedAt: now,
        heartbeatAt: now,
      },
      () => true,
      () => undefined,
    );
    expect(() => service().commit('dataset', setup.datasetId, withDependents)).toThrow(
      /is training in rtk-workbench serve on 127\.0\.0\.1:8765 \(process \d+.*pause or cancel it there first\..*Nothing was deleted/,
    );
    expect(existsSync(runFolder(runId))).toBe(true);
  });

  it('follows no link inside a run folder', async () => {
    const setup = datasetWithEverything();
    const precious = join(fixture.outside, 'precious');
    writeFiles(precious, { 'keep.bin': 5 });
    symlinkSync(precious, join(runFolder(setup.kdRun.id), 'linked'));
    expect(service().describe('run', setup.kdRun.id, alone).folders[0]?.bytes).toBe(500);
    await service().delete('run', setup.kdRun.id, alone);
    expect(readFileSync(join(precious, 'keep.bin')).length).toBe(5);
  });
});

describe('deleting an export', () => {
  it('removes a folder the workbench wrote, wherever it is, and keeps one that holds anything else', async () => {
    const setup = datasetWithEverything();
    const plan = service().describe('export', setup.outsideExportId, alone);
    expect(plan.entries).toEqual([{ kind: 'export', id: setup.outsideExportId, name: 'student' }]);
    expect(plan.folders).toEqual([expect.objectContaining({ path: setup.outsideExport, action: 'remove' })]);
    await service().delete('export', setup.outsideExportId, alone);
    expect(existsSync(setup.outsideExport)).toBe(false);

    writeFileSync(join(setup.homeExport, 'my-notes.md'), 'mine');
    const outcome = await service().delete('export', setup.homeExportId, alone);
    expect(outcome.keptFolders).toEqual([
      {
        path: setup.homeExport,
        reason:
          "it holds files the export did not write (my-notes.md), so it is not the workbench's to remove",
      },
    ]);
    expect(fixture.store.exports.get(setup.homeExportId)).toBeUndefined();
    expect(readdirSync(setup.homeExport).sort()).toEqual([
      'MODEL_CARD.md',
      'model-card.json',
      'model.onnx',
      'my-notes.md',
    ]);
  });

  it('keeps a folder without our model card, and a link in place of the folder', async () => {
    const setup = datasetWithEverything();
    rmSync(join(setup.outsideExport, 'model-card.json'));
    expect(service().describe('export', setup.outsideExportId, alone).folders[0]).toMatchObject({
      action: 'keep',
      reason: expect.stringContaining('no readable model-card.json') as string,
    });
    const real = join(fixture.outside, 'real-export');
    mkdirSync(real);
    rmSync(setup.homeExport, { recursive: true });
    symlinkSync(real, setup.homeExport);
    await service().delete('export', setup.homeExportId, alone);
    expect(existsSync(real)).toBe(true);
  });
});

describe('a crash in the middle of a deletion', () => {
  it('before the folders were moved aside: the next start removes them, journaled', async () => {
    const setup = datasetWithEverything();
    service().commit('experiment', setup.trained.experiment.id, alone);
    // The process died here: the rows are gone, the folders still stand under their names.
    expect(existsSync(runFolder(setup.kdRun.id))).toBe(true);
    expect(countRows(fixture.store, 'pending_deletions')).toBe(4);
    const removed = await service().sweep();
    expect(removed).toHaveLength(4);
    for (const run of setup.trained.runs) expect(existsSync(runFolder(run.id))).toBe(false);
    expect(existsSync(setup.homeExport)).toBe(false);
    expect(countRows(fixture.store, 'pending_deletions')).toBe(0);
    for (const run of setup.fromImported.runs) expect(existsSync(runFolder(run.id))).toBe(true);
  });

  it('after they were moved aside: no half folder under a real name, and the sweep removes the .deleting- ones', async () => {
    const setup = datasetWithEverything();
    const deletion = service();
    deletion.stage(deletion.commit('run', setup.kdRun.id, alone));
    const runs = readdirSync(join(fixture.home, 'runs'));
    expect(runs).toContain(`.deleting-${setup.kdRun.id}`);
    expect(runs).not.toContain(setup.kdRun.id);
    writeFiles(join(fixture.home, 'datasets', '.deleting-left-by-an-older-crash'), { 'pixels.bin': 3 });
    await service().sweep();
    expect(readdirSync(join(fixture.home, 'runs')).filter((name) => name.startsWith('.deleting-'))).toEqual(
      [],
    );
    expect(readdirSync(join(fixture.home, 'datasets'))).toEqual([setup.datasetId]);
    expect(readdirSync(join(fixture.home, 'exports'))).toEqual([]);
  });

  it('leaves a journaled folder that the store owns again', async () => {
    const setup = datasetWithEverything();
    service().commit('export', setup.outsideExportId, alone);
    addExport(fixture, setup.kdRun.id, setup.outsideExport);
    await service().sweep();
    expect(existsSync(join(setup.outsideExport, 'model.onnx'))).toBe(true);
    expect(countRows(fixture.store, 'pending_deletions')).toBe(0);
  });
});

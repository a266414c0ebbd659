import { rmSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  addDataset,
  addExperiment,
  addExport,
  addTeacher,
  makeHousekeepingHome,
} from '../../support/housekeeping-home.js';
import type { HousekeepingHome } from '../../support/housekeeping-home.js';

let fixture: HousekeepingHome;

beforeEach(() => {
  fixture = makeHousekeepingHome();
});

afterEach(() => {
  fixture.store.close();
  rmSync(fixture.root, { recursive: true, force: true });
});

describe('the deletions repository', () => {
  it('finds what depends on a dataset, a teacher and a teacher run', () => {
    const deletions = fixture.store.deletions;
    const datasetId = addDataset(fixture, 'Flowers');
    const teacher = addTeacher(fixture, datasetId, 'Mine');
    const trained = addExperiment(fixture, datasetId, 'Trained', { source: 'train', backbone: 'resnet8' }, [
      'kd',
    ]);
    const imported = addExperiment(
      fixture,
      datasetId,
      'Imported',
      { source: 'imported', teacherId: teacher.id },
      ['none'],
    );
    const teacherRun = trained.runs.find((run) => run.role === 'teacher');
    const kdRun = trained.runs.find((run) => run.method === 'kd');
    if (teacherRun === undefined || kdRun === undefined) throw new Error('missing runs');
    fixture.store.runs.setStatus(teacherRun.id, 'done');
    const reuse = addExperiment(fixture, datasetId, 'Reuse', { source: 'run', runId: teacherRun.id }, [
      'none',
    ]);

    expect(deletions.experimentsOfDataset(datasetId).map((row) => row.name)).toEqual([
      'Trained',
      'Imported',
      'Reuse',
    ]);
    expect(deletions.teachersOfDataset(datasetId)).toEqual([{ id: teacher.id, name: 'Mine' }]);
    // Its only student is trained alone, so no run points at the teacher: the spec names it.
    expect(deletions.experimentsLearningFromTeacher(teacher.id)).toEqual([
      { id: imported.experiment.id, name: 'Imported' },
    ]);
    expect(deletions.runsTaughtBy(teacherRun.id)).toEqual([
      { id: kdRun.id, experimentId: trained.experiment.id },
    ]);
    expect(deletions.experimentsLearningFromRun(teacherRun.id)).toEqual([
      { id: reuse.experiment.id, name: 'Reuse' },
    ]);
    const exportId = addExport(fixture, kdRun.id, `${fixture.outside}/student`);
    expect(deletions.exportsOfRun(kdRun.id)).toEqual([
      { id: exportId, name: 'student', path: `${fixture.outside}/student` },
    ]);
  });

  it('removes rows only inside a transaction, and journals folders until they are removed', () => {
    const deletions = fixture.store.deletions;
    const datasetId = addDataset(fixture, 'Flowers');
    const rows = {
      datasetIds: [datasetId],
      teacherIds: [],
      experimentIds: [],
      runIds: [],
      exportIds: [],
      modelIds: [],
    };
    const folder = {
      stagingPath: `${fixture.home}/datasets/.deleting-${datasetId}`,
      path: `${fixture.home}/datasets/${datasetId}`,
      kind: 'dataset' as const,
      subjectId: datasetId,
      requestedAt: '2026-01-01T00:00:00.000Z',
    };
    expect(() => deletions.remove(rows, [folder])).toThrow(/inside a transaction/);
    expect(deletions.stillOwned(folder)).toBe(true);
    deletions.transaction(() => deletions.remove(rows, [folder]));
    expect(fixture.store.datasets.get(datasetId)).toBeUndefined();
    expect(deletions.stillOwned(folder)).toBe(false);
    expect(deletions.pending()).toEqual([folder]);
    deletions.forgetPending(folder.stagingPath);
    expect(deletions.pending()).toEqual([]);
  });
});

import type Database from 'better-sqlite3';

/** A row's id and the name a person knows it by. */
export interface NamedRow {
  readonly id: string;
  readonly name: string;
}

/** The kinds of thing whose folder a deletion removes. */
export type FolderKind = 'dataset' | 'run' | 'export' | 'teacher';

/**
 * A folder whose rows are gone but which is not removed yet: it is renamed to `stagingPath` first, then
 * removed; whoever opens the home next finishes what a crash interrupted.
 */
export interface PendingDeletion {
  readonly stagingPath: string;
  readonly path: string;
  readonly kind: FolderKind;
  readonly subjectId: string;
  readonly requestedAt: string;
}

/** The rows one deletion removes, by table. */
export interface DeletionRows {
  readonly datasetIds: readonly string[];
  readonly teacherIds: readonly string[];
  readonly experimentIds: readonly string[];
  readonly runIds: readonly string[];
  readonly exportIds: readonly string[];
  readonly modelIds: readonly string[];
}

interface PendingRow {
  staging_path: string;
  path: string;
  kind: FolderKind;
  subject_id: string;
  requested_at: string;
}

/**
 * What depends on what (dataset → experiments and teachers, teacher → experiments, teacher run → students,
 * run → exports and models), the removal of a deletion's rows, and the journal of folders still to remove.
 */
export class DeletionsRepository {
  private readonly statements;

  constructor(private readonly connection: Database.Database) {
    const learnsFromSpec = (source: string, field: string): string =>
      `json_extract(spec_json, '$.teacher.source') = '${source}' AND json_extract(spec_json, '$.teacher.${field}') = ?`;
    this.statements = {
      experimentsOfDataset: connection.prepare<[string], NamedRow>(
        `SELECT id, name FROM experiments WHERE dataset_id = ? ORDER BY created_at`,
      ),
      teachersOfDataset: connection.prepare<[string], NamedRow>(
        `SELECT id, name FROM teachers WHERE dataset_id = ? ORDER BY created_at`,
      ),
      experimentsLearningFromTeacher: connection.prepare<[string, string], NamedRow>(
        `SELECT id, name FROM experiments
         WHERE id IN (SELECT experiment_id FROM runs WHERE teacher_id = ?) OR (${learnsFromSpec('imported', 'teacherId')})
         ORDER BY created_at`,
      ),
      experimentsLearningFromRun: connection.prepare<[string], NamedRow>(
        `SELECT id, name FROM experiments WHERE ${learnsFromSpec('run', 'runId')} ORDER BY created_at`,
      ),
      experimentsImportingModel: connection.prepare<[string], NamedRow>(
        `SELECT id, name FROM experiments WHERE ${learnsFromSpec('import', 'modelJsonPath')} ORDER BY created_at`,
      ),
      runsTaughtBy: connection.prepare<[string], { id: string; experiment_id: string }>(
        `SELECT id, experiment_id FROM runs WHERE teacher_run_id = ? ORDER BY queue_position`,
      ),
      runIdsOfExperiment: connection.prepare<[string], { id: string }>(
        `SELECT id FROM runs WHERE experiment_id = ? ORDER BY queue_position`,
      ),
      exportsOfRun: connection.prepare<[string], NamedRow & { path: string }>(
        `SELECT id, name, path FROM exports WHERE run_id = ? ORDER BY created_at`,
      ),
      modelsOfRun: connection.prepare<[string], NamedRow>(`SELECT id, name FROM models WHERE run_id = ?`),
      importedModelsAt: connection.prepare<[string], NamedRow>(
        `SELECT id, name FROM models WHERE source = 'import' AND run_id IS NULL AND path = ?`,
      ),
      deleteExport: connection.prepare<[string]>(`DELETE FROM exports WHERE id = ?`),
      deleteModel: connection.prepare<[string]>(`DELETE FROM models WHERE id = ?`),
      deleteRun: connection.prepare<[string]>(`DELETE FROM runs WHERE id = ?`),
      deleteExperiment: connection.prepare<[string]>(`DELETE FROM experiments WHERE id = ?`),
      deleteTeacher: connection.prepare<[string]>(`DELETE FROM teachers WHERE id = ?`),
      deleteDataset: connection.prepare<[string]>(`DELETE FROM datasets WHERE id = ?`),
      addPending: connection.prepare(
        `INSERT OR REPLACE INTO pending_deletions (staging_path, path, kind, subject_id, requested_at)
         VALUES (@stagingPath, @path, @kind, @subjectId, @requestedAt)`,
      ),
      listPending: connection.prepare<[], PendingRow>(
        `SELECT staging_path, path, kind, subject_id, requested_at FROM pending_deletions ORDER BY requested_at`,
      ),
      forgetPending: connection.prepare<[string]>(`DELETE FROM pending_deletions WHERE staging_path = ?`),
      folderReferenced: connection.prepare<[string, string, string], { found: number }>(
        `SELECT 1 AS found FROM datasets WHERE cache_path = ?
         UNION ALL SELECT 1 FROM teachers WHERE directory = ?
         UNION ALL SELECT 1 FROM exports WHERE path = ? LIMIT 1`,
      ),
      runExists: connection.prepare<[string], { found: number }>(`SELECT 1 AS found FROM runs WHERE id = ?`),
    };
  }

  /** Runs `work` in one immediate transaction: what it reads cannot change under it before it writes. */
  transaction<Result>(work: () => Result): Result {
    return this.connection.transaction(work).immediate();
  }

  /** The experiments made on a dataset, oldest first. */
  experimentsOfDataset(datasetId: string): NamedRow[] {
    return this.statements.experimentsOfDataset.all(datasetId);
  }

  /** The imported teachers measured on a dataset, oldest first. */
  teachersOfDataset(datasetId: string): NamedRow[] {
    return this.statements.teachersOfDataset.all(datasetId);
  }

  /** The experiments that learn from an imported teacher (by their spec or their runs). */
  experimentsLearningFromTeacher(teacherId: string): NamedRow[] {
    return this.statements.experimentsLearningFromTeacher.all(teacherId, teacherId);
  }

  /** The experiments whose spec names a finished run of another experiment as their teacher. */
  experimentsLearningFromRun(runId: string): NamedRow[] {
    return this.statements.experimentsLearningFromRun.all(runId);
  }

  /** The experiments whose teacher is the TensorFlow.js model at `modelJsonPath`. */
  experimentsImportingModel(modelJsonPath: string): NamedRow[] {
    return this.statements.experimentsImportingModel.all(modelJsonPath);
  }

  /** The runs that learn from a run, with their experiments. */
  runsTaughtBy(runId: string): { id: string; experimentId: string }[] {
    return this.statements.runsTaughtBy
      .all(runId)
      .map((row) => ({ id: row.id, experimentId: row.experiment_id }));
  }

  /** The ids of an experiment's runs, in queue order. */
  runIdsOfExperiment(experimentId: string): string[] {
    return this.statements.runIdsOfExperiment.all(experimentId).map((row) => row.id);
  }

  /** The exports of a run, with their folders. */
  exportsOfRun(runId: string): (NamedRow & { path: string })[] {
    return this.statements.exportsOfRun.all(runId);
  }

  /** The models a run trained. */
  modelsOfRun(runId: string): NamedRow[] {
    return this.statements.modelsOfRun.all(runId);
  }

  /** The imported-model rows that stand for the TensorFlow.js model at `path`. */
  importedModelsAt(path: string): NamedRow[] {
    return this.statements.importedModelsAt.all(path);
  }

  /**
   * Removes the rows and journals the folders to remove, in the caller's transaction. Foreign keys are checked
   * at commit, so rows that point at each other go in any order, and a row the deletion missed that still
   * points at one of them fails the whole transaction instead of being left dangling.
   */
  remove(rows: DeletionRows, folders: readonly PendingDeletion[]): void {
    if (!this.connection.inTransaction) {
      throw new Error('Rows are removed inside a transaction (DeletionsRepository.transaction).');
    }
    this.connection.pragma('defer_foreign_keys = ON');
    for (const id of rows.exportIds) this.statements.deleteExport.run(id);
    for (const id of rows.modelIds) this.statements.deleteModel.run(id);
    for (const id of rows.runIds) this.statements.deleteRun.run(id);
    for (const id of rows.experimentIds) this.statements.deleteExperiment.run(id);
    for (const id of rows.teacherIds) this.statements.deleteTeacher.run(id);
    for (const id of rows.datasetIds) this.statements.deleteDataset.run(id);
    for (const folder of folders) this.statements.addPending.run(folder);
  }

  /** The folders whose rows are gone but which are not removed yet, oldest first. */
  pending(): PendingDeletion[] {
    return this.statements.listPending.all().map((row) => ({
      stagingPath: row.staging_path,
      path: row.path,
      kind: row.kind,
      subjectId: row.subject_id,
      requestedAt: row.requested_at,
    }));
  }

  /** Forgets a journaled folder once it is removed. */
  forgetPending(stagingPath: string): void {
    this.statements.forgetPending.run(stagingPath);
  }

  /** Whether a dataset, teacher or export row (or, for a run folder, the run) still owns a folder. */
  stillOwned(folder: Pick<PendingDeletion, 'path' | 'kind' | 'subjectId'>): boolean {
    if (folder.kind === 'run') return this.statements.runExists.get(folder.subjectId) !== undefined;
    return this.statements.folderReferenced.get(folder.path, folder.path, folder.path) !== undefined;
  }
}

import type Database from 'better-sqlite3';
import type { ExperimentSummary } from '../../../src-shared/contracts/domain-types.js';
import { experimentStatuses } from '../../../src-shared/contracts/domain-types.js';
import {
  parseStoredExperimentSpec,
  type ExperimentSpec,
} from '../../../src-shared/domain/experiment-spec.js';

interface ExperimentRow {
  id: string;
  name: string;
  dataset_id: string;
  dataset_name: string;
  status: string;
  created_at: string;
  updated_at: string;
}

function toStatus(value: string): ExperimentSummary['status'] {
  const status = experimentStatuses.find((known) => known === value);
  if (status === undefined) {
    throw new Error(`The store holds an experiment with an unknown status "${value}".`);
  }
  return status;
}

/** Reads and writes the experiments table; every statement is prepared once. */
export class ExperimentsRepository {
  private readonly listStatement: Database.Statement<[], ExperimentRow>;
  private readonly listByDatasetStatement: Database.Statement<[string], ExperimentRow>;

  private readonly insertStatement: Database.Statement;
  private readonly getStatement: Database.Statement<[string], ExperimentRow & { spec_json: string }>;
  private readonly setStatusStatement: Database.Statement;
  private readonly runCountStatement: Database.Statement<[string], { count: number }>;
  private readonly renameStatement: Database.Statement<{ id: string; name: string; now: string }>;

  constructor(private readonly connection: Database.Database) {
    this.insertStatement = connection.prepare(
      `INSERT INTO experiments (id, name, dataset_id, spec_json, status, created_at, updated_at)
       VALUES (@id, @name, @datasetId, @specJson, 'queued', @now, @now)`,
    );
    this.getStatement = connection.prepare(
      `SELECT e.id, e.name, e.dataset_id, d.name AS dataset_name, e.status, e.created_at, e.updated_at, e.spec_json
       FROM experiments e JOIN datasets d ON d.id = e.dataset_id WHERE e.id = ?`,
    );
    this.setStatusStatement = connection.prepare(
      `UPDATE experiments SET status = ?, updated_at = ? WHERE id = ?`,
    );
    this.runCountStatement = connection.prepare(`SELECT COUNT(*) AS count FROM runs WHERE experiment_id = ?`);
    // The stored spec carries the name too; both change together so the spec a user copies stays true.
    this.renameStatement = connection.prepare(
      `UPDATE experiments SET name = @name, spec_json = json_set(spec_json, '$.name', @name), updated_at = @now
       WHERE id = @id`,
    );
    const select = `SELECT e.id, e.name, e.dataset_id, d.name AS dataset_name, e.status, e.created_at, e.updated_at
       FROM experiments e JOIN datasets d ON d.id = e.dataset_id`;
    this.listStatement = connection.prepare(`${select} ORDER BY e.created_at DESC`);
    this.listByDatasetStatement = connection.prepare(
      `${select} WHERE e.dataset_id = ? ORDER BY e.created_at DESC`,
    );
  }

  /** Records a new experiment (its runs are created by the caller in the same transaction). */
  insert(experiment: { id: string; name: string; datasetId: string; spec: ExperimentSpec }): void {
    const { spec, ...columns } = experiment;
    this.insertStatement.run({ ...columns, specJson: JSON.stringify(spec), now: new Date().toISOString() });
  }

  /** Runs `work` in one transaction. */
  transaction<Result>(work: () => Result): Result {
    return this.connection.transaction(work)();
  }

  /** One experiment with its stored spec (read through the spec schema), or undefined. */
  get(id: string): (ExperimentSummary & { spec: ExperimentSpec }) | undefined {
    const row = this.getStatement.get(id);
    return row === undefined
      ? undefined
      : {
          ...this.toSummary(row),
          spec: parseStoredExperimentSpec(row.spec_json, `The stored spec of experiment ${row.id}`),
        };
  }

  /** Sets an experiment's overall status. */
  setStatus(id: string, status: ExperimentSummary['status']): void {
    this.setStatusStatement.run(status, new Date().toISOString(), id);
  }

  /** Gives an experiment a new name; false when there is no such experiment. */
  rename(id: string, name: string): boolean {
    return this.renameStatement.run({ id, name, now: new Date().toISOString() }).changes === 1;
  }

  /** The experiments, newest first, optionally of one dataset. */
  list(datasetId?: string): ExperimentSummary[] {
    const rows =
      datasetId === undefined ? this.listStatement.all() : this.listByDatasetStatement.all(datasetId);
    return rows.map((row) => this.toSummary(row));
  }

  private toSummary(row: ExperimentRow): ExperimentSummary {
    return {
      id: row.id,
      name: row.name,
      datasetId: row.dataset_id,
      datasetName: row.dataset_name,
      status: toStatus(row.status),
      runCount: this.runCountStatement.get(row.id)?.count ?? 0,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }
}

import type Database from 'better-sqlite3';
import type { ExperimentSummary } from '../../../src-shared/contracts/domain-types.js';
import { experimentStatuses } from '../../../src-shared/contracts/domain-types.js';

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

  constructor(connection: Database.Database) {
    const select = `SELECT e.id, e.name, e.dataset_id, d.name AS dataset_name, e.status, e.created_at, e.updated_at
       FROM experiments e JOIN datasets d ON d.id = e.dataset_id WHERE e.deleted_at IS NULL`;
    this.listStatement = connection.prepare(`${select} ORDER BY e.created_at DESC`);
    this.listByDatasetStatement = connection.prepare(
      `${select} AND e.dataset_id = ? ORDER BY e.created_at DESC`,
    );
  }

  /** The experiments that are not deleted, newest first, optionally of one dataset. */
  list(datasetId?: string): ExperimentSummary[] {
    const rows =
      datasetId === undefined ? this.listStatement.all() : this.listByDatasetStatement.all(datasetId);
    return rows.map((row) => ({
      id: row.id,
      name: row.name,
      datasetId: row.dataset_id,
      datasetName: row.dataset_name,
      status: toStatus(row.status),
      runCount: 0,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }));
  }
}

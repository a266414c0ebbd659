import type Database from 'better-sqlite3';
import type { ExportRecord } from '../../../src-shared/contracts/api.js';
import { parseModelCard } from '../../../src-shared/contracts/model-card.js';

interface ExportRow {
  id: string;
  name: string;
  run_id: string;
  format: string;
  precision: string;
  path: string;
  report_json: string;
  created_at: string;
}

function toRecord(row: ExportRow): ExportRecord {
  if (row.format !== 'tfjs' && row.format !== 'onnx') {
    throw new Error(`The store holds export ${row.id} with an unknown format "${row.format}".`);
  }
  if (row.precision !== 'float32' && row.precision !== 'float16' && row.precision !== 'uint8') {
    throw new Error(`The store holds export ${row.id} with an unknown precision "${row.precision}".`);
  }
  return {
    id: row.id,
    name: row.name,
    runId: row.run_id,
    format: row.format,
    precision: row.precision,
    directory: row.path,
    createdAt: row.created_at,
    card: parseModelCard(row.report_json, `The model card of export ${row.id} in the store`),
  };
}

/** Reads and writes the exports table; every statement is prepared once. */
export class ExportsRepository {
  private readonly insertStatement: Database.Statement;
  private readonly getStatement: Database.Statement<[string], ExportRow>;
  private readonly listStatement: Database.Statement<[], ExportRow>;
  private readonly listOfRunStatement: Database.Statement<[string], ExportRow>;
  private readonly removeStatement: Database.Statement<[string]>;
  private readonly renameStatement: Database.Statement<[string, string]>;

  constructor(connection: Database.Database) {
    const columns = 'id, name, run_id, format, precision, path, report_json, created_at';
    this.insertStatement = connection.prepare(
      `INSERT INTO exports (${columns})
       VALUES (@id, @name, @runId, @format, @precision, @directory, @cardJson, @createdAt)`,
    );
    this.getStatement = connection.prepare(`SELECT ${columns} FROM exports WHERE id = ?`);
    this.listStatement = connection.prepare(`SELECT ${columns} FROM exports ORDER BY created_at DESC`);
    this.listOfRunStatement = connection.prepare(
      `SELECT ${columns} FROM exports WHERE run_id = ? ORDER BY created_at DESC`,
    );
    this.removeStatement = connection.prepare(`DELETE FROM exports WHERE id = ?`);
    this.renameStatement = connection.prepare(`UPDATE exports SET name = ? WHERE id = ?`);
  }

  /** Gives an export a new name (its folder keeps its own); false when there is no such export. */
  rename(id: string, name: string): boolean {
    return this.renameStatement.run(name, id).changes === 1;
  }

  /** Records a finished, verified export with its (already validated) model card. */
  insert(record: ExportRecord): ExportRecord {
    const { card, ...rest } = record;
    this.insertStatement.run({ ...rest, cardJson: JSON.stringify(card) });
    return record;
  }

  /** One export, or undefined. */
  get(id: string): ExportRecord | undefined {
    const row = this.getStatement.get(id);
    return row === undefined ? undefined : toRecord(row);
  }

  /** The exports, newest first, optionally of one run. */
  list(runId?: string): ExportRecord[] {
    return (runId === undefined ? this.listStatement.all() : this.listOfRunStatement.all(runId)).map(
      toRecord,
    );
  }

  /** Forgets an export's record (its folder is the caller's business); false when there was none. */
  remove(id: string): boolean {
    return this.removeStatement.run(id).changes === 1;
  }
}

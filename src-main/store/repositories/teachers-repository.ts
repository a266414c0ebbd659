import type Database from 'better-sqlite3';
import { z } from 'zod';
import { teacherRecordSchema, type TeacherRecord } from '../../../src-shared/contracts/teacher-types.js';

/** An imported teacher as the store keeps it: the record and the folder holding its files. */
export interface StoredTeacher {
  readonly record: TeacherRecord;
  readonly directory: string;
}

interface TeacherRow {
  id: string;
  name: string;
  format: string;
  source_path: string;
  fingerprint: string;
  dataset_id: string;
  backbone: string | null;
  class_count: number;
  input_shape_json: string;
  layout: string;
  contract_json: string;
  taps_json: string;
  test_top1: number;
  test_top5: number;
  per_class_json: string;
  details_json: string;
  directory: string;
  created_at: string;
}

/** The record's fields that have no column of their own. */
type Details = Omit<
  TeacherRecord,
  | 'id'
  | 'name'
  | 'format'
  | 'sourcePath'
  | 'fingerprint'
  | 'datasetId'
  | 'backbone'
  | 'classes'
  | 'inputShape'
  | 'layout'
  | 'contract'
  | 'taps'
  | 'testTop1'
  | 'testTop5'
  | 'perClassTop1'
  | 'createdAt'
>;

/** The decoded text of a JSON column; the whole record is then checked by the teacher record schema. */
function jsonColumn(text: string): unknown {
  return JSON.parse(text);
}

const detailsColumnSchema = z.record(z.string(), z.unknown());

function toStored(row: TeacherRow): StoredTeacher {
  const details = detailsColumnSchema.safeParse(jsonColumn(row.details_json));
  if (!details.success) {
    throw new Error(`The store holds teacher ${row.id} with details that are not a JSON object.`);
  }
  const parsed = teacherRecordSchema.safeParse({
    ...details.data,
    id: row.id,
    name: row.name,
    format: row.format,
    sourcePath: row.source_path,
    fingerprint: row.fingerprint,
    datasetId: row.dataset_id,
    backbone: row.backbone,
    classes: row.class_count,
    inputShape: jsonColumn(row.input_shape_json),
    layout: row.layout,
    contract: jsonColumn(row.contract_json),
    taps: jsonColumn(row.taps_json),
    testTop1: row.test_top1,
    testTop5: row.test_top5,
    perClassTop1: jsonColumn(row.per_class_json),
    createdAt: row.created_at,
  });
  if (!parsed.success) {
    throw new Error(
      `The store holds teacher ${row.id} in a form this version cannot read: ${parsed.error.message}`,
    );
  }
  return { record: parsed.data, directory: row.directory };
}

const columns = `id, name, format, source_path, fingerprint, dataset_id, backbone, class_count, input_shape_json,
  layout, contract_json, taps_json, test_top1, test_top5, per_class_json, details_json, directory, created_at`;

/** Reads and writes the teachers table (imported teachers). */
export class TeachersRepository {
  private readonly insertStatement: Database.Statement;
  private readonly listStatement: Database.Statement<[], TeacherRow>;
  private readonly listOfDatasetStatement: Database.Statement<[string], TeacherRow>;
  private readonly getStatement: Database.Statement<[string], TeacherRow>;
  private readonly renameStatement: Database.Statement<[string, string]>;

  constructor(connection: Database.Database) {
    this.insertStatement = connection.prepare(
      `INSERT INTO teachers (${columns}) VALUES (@id, @name, @format, @sourcePath, @fingerprint, @datasetId,
         @backbone, @classes, @inputShapeJson, @layout, @contractJson, @tapsJson, @testTop1, @testTop5,
         @perClassJson, @detailsJson, @directory, @createdAt)`,
    );
    this.listStatement = connection.prepare(`SELECT ${columns} FROM teachers ORDER BY created_at DESC, id`);
    this.listOfDatasetStatement = connection.prepare(
      `SELECT ${columns} FROM teachers WHERE dataset_id = ? ORDER BY created_at DESC, id`,
    );
    this.getStatement = connection.prepare(`SELECT ${columns} FROM teachers WHERE id = ?`);
    this.renameStatement = connection.prepare(`UPDATE teachers SET name = ? WHERE id = ?`);
  }

  /** Gives an imported teacher a new name; false when there is no such teacher. */
  rename(id: string, name: string): boolean {
    return this.renameStatement.run(name, id).changes === 1;
  }

  /** Records an imported teacher whose folder is complete. */
  insert(record: TeacherRecord, directory: string): StoredTeacher {
    const {
      id,
      name,
      format,
      sourcePath,
      fingerprint,
      datasetId,
      backbone,
      classes,
      inputShape,
      layout,
      contract,
      taps,
      testTop1,
      testTop5,
      perClassTop1,
      createdAt,
      ...details
    } = teacherRecordSchema.parse(record);
    this.insertStatement.run({
      id,
      name,
      format,
      sourcePath,
      fingerprint,
      datasetId,
      backbone,
      classes,
      inputShapeJson: JSON.stringify(inputShape),
      layout,
      contractJson: JSON.stringify(contract),
      tapsJson: JSON.stringify(taps),
      testTop1,
      testTop5,
      perClassJson: JSON.stringify(perClassTop1),
      detailsJson: JSON.stringify(details satisfies Details),
      directory,
      createdAt,
    });
    return { record, directory };
  }

  /** Every imported teacher, newest first, optionally of one dataset. */
  list(datasetId?: string): StoredTeacher[] {
    const rows =
      datasetId === undefined ? this.listStatement.all() : this.listOfDatasetStatement.all(datasetId);
    return rows.map(toStored);
  }

  /** One teacher, or undefined. */
  get(id: string): StoredTeacher | undefined {
    const row = this.getStatement.get(id);
    return row === undefined ? undefined : toStored(row);
  }
}

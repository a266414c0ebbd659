import type Database from 'better-sqlite3';
import type { DatasetSummary } from '../../../src-shared/contracts/domain-types.js';

interface DatasetRow {
  id: string;
  name: string;
  format: string;
  image_height: number;
  image_width: number;
  channels: number;
  class_count: number;
  train_count: number;
  test_count: number;
  created_at: string;
}

/** Reads and writes the datasets table; every statement is prepared once. */
export class DatasetsRepository {
  private readonly listStatement: Database.Statement<[], DatasetRow>;

  constructor(connection: Database.Database) {
    this.listStatement = connection.prepare(
      `SELECT id, name, format, image_height, image_width, channels, class_count, train_count, test_count, created_at
       FROM datasets WHERE deleted_at IS NULL ORDER BY created_at DESC`,
    );
  }

  /** The datasets that are not deleted, newest first. */
  list(): DatasetSummary[] {
    return this.listStatement.all().map((row) => ({
      id: row.id,
      name: row.name,
      format: row.format,
      imageHeight: row.image_height,
      imageWidth: row.image_width,
      channels: row.channels,
      classCount: row.class_count,
      trainCount: row.train_count,
      testCount: row.test_count,
      createdAt: row.created_at,
    }));
  }
}

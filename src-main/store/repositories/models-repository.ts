import type Database from 'better-sqlite3';

/** A trained or imported model the workbench keeps: where its files are and what it expects. */
export interface StoredModel {
  readonly id: string;
  readonly name: string;
  readonly source: 'run' | 'import';
  readonly runId: string | null;
  readonly backbone: string | null;
  readonly path: string;
  readonly classCount: number;
  readonly imageHeight: number;
  readonly imageWidth: number;
  readonly channels: number;
  readonly parameterCount: number;
  readonly testTop1: number | null;
  readonly createdAt: string;
}

interface ModelRow {
  id: string;
  name: string;
  source: string;
  run_id: string | null;
  backbone: string | null;
  path: string;
  class_count: number;
  image_height: number;
  image_width: number;
  channels: number;
  parameter_count: number;
  test_top1: number | null;
  created_at: string;
}

function toModel(row: ModelRow): StoredModel {
  if (row.source !== 'run' && row.source !== 'import') {
    throw new Error(`The store holds model ${row.id} with an unknown source "${row.source}".`);
  }
  return {
    id: row.id,
    name: row.name,
    source: row.source,
    runId: row.run_id,
    backbone: row.backbone,
    path: row.path,
    classCount: row.class_count,
    imageHeight: row.image_height,
    imageWidth: row.image_width,
    channels: row.channels,
    parameterCount: row.parameter_count,
    testTop1: row.test_top1,
    createdAt: row.created_at,
  };
}

const columns = `id, name, source, run_id, backbone, path, class_count, image_height, image_width, channels,
  parameter_count, test_top1, created_at`;

/** Reads and writes the models table (teachers and students with their files). */
export class ModelsRepository {
  private readonly insertStatement: Database.Statement;
  private readonly listStatement: Database.Statement<[], ModelRow>;

  constructor(connection: Database.Database) {
    this.insertStatement = connection.prepare(
      `INSERT INTO models (${columns}) VALUES (@id, @name, @source, @runId, @backbone, @path, @classCount,
         @imageHeight, @imageWidth, @channels, @parameterCount, @testTop1, @createdAt)`,
    );
    this.listStatement = connection.prepare(`SELECT ${columns} FROM models ORDER BY created_at DESC`);
  }

  /** Records a model whose files are complete. */
  insert(model: Omit<StoredModel, 'createdAt'>): StoredModel {
    const stored = { ...model, createdAt: new Date().toISOString() };
    this.insertStatement.run(stored);
    return stored;
  }

  /** Every model, newest first. */
  list(): StoredModel[] {
    return this.listStatement.all().map(toModel);
  }
}

import type Database from 'better-sqlite3';
import type { DatasetSummary } from '../../../src-shared/contracts/domain-types.js';
import {
  parseDatasetManifest,
  type DatasetManifest,
} from '../../../src-shared/contracts/dataset-manifest.js';

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

/** A dataset to record once its cache folder is complete. */
export interface NewDataset extends Omit<DatasetSummary, 'createdAt'> {
  readonly fingerprint: string;
  readonly cachePath: string;
  readonly manifest: DatasetManifest;
  /** For a dataset the workbench drew itself: the generator and its options, as one key. */
  readonly generator?: string;
}

const columns = `id, name, format, image_height, image_width, channels, class_count, train_count, test_count, created_at`;

/** Reads and writes the datasets table; every statement is prepared once. */
export class DatasetsRepository {
  private readonly listStatement: Database.Statement<[], DatasetRow>;
  private readonly getStatement: Database.Statement<
    [string],
    DatasetRow & { cache_path: string; manifest_json: string }
  >;
  private readonly byFingerprintStatement: Database.Statement<[string], DatasetRow>;
  private readonly byGeneratorStatement: Database.Statement<[string], DatasetRow>;
  private readonly setGeneratorStatement: Database.Statement<[string, string]>;
  private readonly insertStatement: Database.Statement;
  private readonly renameStatement: Database.Statement<[string, string]>;

  constructor(connection: Database.Database) {
    this.listStatement = connection.prepare(`SELECT ${columns} FROM datasets ORDER BY created_at DESC`);
    this.getStatement = connection.prepare(
      `SELECT ${columns}, cache_path, manifest_json FROM datasets WHERE id = ?`,
    );
    this.byFingerprintStatement = connection.prepare(`SELECT ${columns} FROM datasets WHERE fingerprint = ?`);
    this.byGeneratorStatement = connection.prepare(`SELECT ${columns} FROM datasets WHERE generator = ?`);
    this.setGeneratorStatement = connection.prepare(`UPDATE datasets SET generator = ? WHERE id = ?`);
    this.insertStatement = connection.prepare(
      `INSERT INTO datasets (id, name, format, fingerprint, image_height, image_width, channels, class_count,
         train_count, test_count, cache_path, manifest_json, generator, created_at)
       VALUES (@id, @name, @format, @fingerprint, @imageHeight, @imageWidth, @channels, @classCount, @trainCount,
         @testCount, @cachePath, @manifestJson, @generator, @createdAt)`,
    );
    this.renameStatement = connection.prepare(`UPDATE datasets SET name = ? WHERE id = ?`);
  }

  /** Gives a dataset a new name; false when there is no such dataset. */
  rename(id: string, name: string): boolean {
    return this.renameStatement.run(name, id).changes === 1;
  }

  /** Records a dataset whose cache folder is complete. */
  insert(dataset: NewDataset): DatasetSummary {
    const createdAt = new Date().toISOString();
    const { manifest, ...columns } = dataset;
    this.insertStatement.run({
      ...columns,
      manifestJson: JSON.stringify(manifest),
      generator: dataset.generator ?? null,
      createdAt,
    });
    const {
      fingerprint: _fingerprint,
      cachePath: _cachePath,
      manifest: _manifest,
      generator: _generator,
      ...summary
    } = dataset;
    return { ...summary, createdAt };
  }

  /** A dataset with its cache folder and manifest (read through the manifest schema), or undefined. */
  get(id: string): (DatasetSummary & { cachePath: string; manifest: DatasetManifest }) | undefined {
    const row = this.getStatement.get(id);
    return row === undefined
      ? undefined
      : {
          ...toSummary(row),
          cachePath: row.cache_path,
          manifest: parseDatasetManifest(
            { text: row.manifest_json },
            `The stored manifest of dataset ${row.id}`,
          ),
        };
  }

  /** The dataset with this content fingerprint, if one was imported already. */
  findByFingerprint(fingerprint: string): DatasetSummary | undefined {
    const row = this.byFingerprintStatement.get(fingerprint);
    return row === undefined ? undefined : toSummary(row);
  }

  /** The dataset a generator drew with these options (its key), if it is in the store. */
  findByGenerator(generator: string): DatasetSummary | undefined {
    const row = this.byGeneratorStatement.get(generator);
    return row === undefined ? undefined : toSummary(row);
  }

  /** Names the generator key of a dataset recorded before keys were kept (same content, drawn again). */
  setGenerator(id: string, generator: string): void {
    this.setGeneratorStatement.run(generator, id);
  }

  /** Every dataset, newest first. */
  list(): DatasetSummary[] {
    return this.listStatement.all().map(toSummary);
  }
}

function toSummary(row: DatasetRow): DatasetSummary {
  return {
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
  };
}

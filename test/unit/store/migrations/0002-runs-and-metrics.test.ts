import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { initialSchema } from '../../../../src-main/store/migrations/0001-initial-schema.js';
import { runsAndMetrics } from '../../../../src-main/store/migrations/0002-runs-and-metrics.js';

describe('migration 0002: runs and metrics', () => {
  it('adds strict run tables whose constraints refuse bad statuses, methods and orphan metrics', () => {
    const connection = new Database(':memory:');
    connection.pragma('foreign_keys = ON');
    initialSchema.up(connection);
    runsAndMetrics.up(connection);
    const tables = connection
      .prepare(
        `SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'`,
      )
      .all() as { name: string; strict: number }[];
    for (const name of [
      'runs',
      'epoch_metrics',
      'class_accuracy',
      'attention_matrices',
      'checkpoints',
      'models',
      'exports',
    ]) {
      expect(tables).toContainEqual({ name, strict: 1 });
    }
    connection.exec(`
      INSERT INTO datasets (id, name, format, fingerprint, image_height, image_width, channels, class_count, train_count,
        test_count, cache_path, manifest_json, created_at) VALUES ('d', 'n', 'idx', 'f', 28, 28, 1, 10, 1, 1, 'p', '{}', 'now');
      INSERT INTO experiments (id, name, dataset_id, spec_json, status, created_at, updated_at)
        VALUES ('e', 'n', 'd', '{}', 'queued', 'a', 'a');`);
    const insertRun = (id: string, status: string, method: string) =>
      connection
        .prepare(
          `INSERT INTO runs (id, experiment_id, role, method, backbone, seed, status, queue_position, config_json,
             epochs_total, created_at, updated_at) VALUES (?, 'e', 'student', ?, 'resnet8', 1, ?, 1, '{}', 3, 'a', 'a')`,
        )
        .run(id, method, status);
    insertRun('r1', 'queued', 'rtk');
    expect(() => insertRun('r2', 'sleeping', 'rtk')).toThrow(/CHECK/);
    expect(() => insertRun('r3', 'queued', 'crd')).toThrow(/CHECK/);
    expect(() =>
      connection
        .prepare(`INSERT INTO epoch_metrics VALUES ('missing', 1, 0.1, 1, 1, 0, 0, 0.5, 1, 0.5, 0.9, 1, 100)`)
        .run(),
    ).toThrow(/FOREIGN KEY/);
    connection.close();
  });

  it('creates its tables and indexes in the order the released schema recorded them', () => {
    const connection = new Database(':memory:');
    initialSchema.up(connection);
    const schemaObjects = () =>
      connection
        .prepare(`SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY rowid`)
        .all() as { type: string; name: string }[];
    const before = new Set(schemaObjects().map((object) => object.name));
    runsAndMetrics.up(connection);
    const created = schemaObjects().filter((object) => !before.has(object.name));
    expect(created).toEqual([
      { type: 'table', name: 'runs' },
      { type: 'index', name: 'runs_by_experiment' },
      { type: 'index', name: 'runs_by_status' },
      { type: 'table', name: 'epoch_metrics' },
      { type: 'table', name: 'class_accuracy' },
      { type: 'table', name: 'attention_matrices' },
      { type: 'table', name: 'checkpoints' },
      { type: 'table', name: 'models' },
      { type: 'index', name: 'models_by_run' },
      { type: 'table', name: 'exports' },
      { type: 'index', name: 'exports_by_run' },
      { type: 'index', name: 'event_log_by_subject' },
    ]);
    connection.close();
  });
});

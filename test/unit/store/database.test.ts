import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DatabaseTooNewError, openDatabase } from '../../../src-main/store/database.js';
import { migrations } from '../../../src-main/store/migrations/index.js';
import { openWorkbenchStore } from '../../../src-main/store/workbench-store.js';

function temporaryFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'rtk-store-')), 'nested', 'workbench.sqlite');
}

function tableNames(connection: Database.Database): string[] {
  return (
    connection.prepare(`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`).all() as {
      name: string;
    }[]
  ).map((row) => row.name);
}

describe('openDatabase', () => {
  it('creates the file and its folder, applies every migration and turns on WAL and foreign keys', () => {
    const file = temporaryFile();
    const database = openDatabase(file);
    expect(database.schemaVersion).toBe(migrations.at(-1)?.version);
    expect(database.connection.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(database.connection.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(tableNames(database.connection)).toEqual(
      expect.arrayContaining(['datasets', 'experiments', 'event_log']),
    );
    database.close();
  });

  it('is idempotent: opening again applies nothing and keeps the data', () => {
    const file = temporaryFile();
    const first = openDatabase(file);
    first.connection
      .prepare(`INSERT INTO event_log (at, kind, message) VALUES ('now', 'test', 'kept')`)
      .run();
    const schema = first.connection.prepare(`SELECT sql FROM sqlite_master ORDER BY name`).all();
    first.close();
    const second = openDatabase(file);
    expect(second.schemaVersion).toBe(migrations.at(-1)?.version);
    expect(second.connection.prepare(`SELECT sql FROM sqlite_master ORDER BY name`).all()).toEqual(schema);
    expect(second.connection.prepare(`SELECT message FROM event_log`).pluck().all()).toEqual(['kept']);
    second.close();
  });

  it('refuses a database written by a newer version with a clear message and changes nothing', () => {
    const file = temporaryFile();
    openDatabase(file).close();
    const raw = new Database(file);
    raw.pragma('user_version = 999');
    raw.close();
    expect(() => openDatabase(file)).toThrow(DatabaseTooNewError);
    expect(() => openDatabase(file)).toThrow(
      /written by a newer version of RTK Workbench \(schema 999; this version understands up to schema \d+\)/,
    );
    const after = new Database(file);
    expect(after.pragma('user_version', { simple: true })).toBe(999);
    after.close();
  });

  it('rolls back a migration that fails, leaving the previous version', () => {
    const file = temporaryFile();
    const broken = [
      ...migrations,
      {
        version: 1000,
        name: 'broken',
        up: (connection: Database.Database) => {
          connection.exec('CREATE TABLE half_done (id INTEGER) STRICT');
          connection.exec('THIS IS NOT SQL');
        },
      },
    ];
    expect(() => openDatabase(file, broken)).toThrow();
    const reopened = openDatabase(file);
    expect(reopened.schemaVersion).toBe(migrations.at(-1)?.version);
    expect(tableNames(reopened.connection)).not.toContain('half_done');
    reopened.close();
  });
});

describe('the workbench store', () => {
  it('lists nothing in a new home and lists datasets and experiments newest first', () => {
    const home = mkdtempSync(join(tmpdir(), 'rtk-home-'));
    const store = openWorkbenchStore(home);
    expect(store.datasets.list()).toEqual([]);
    expect(store.experiments.list()).toEqual([]);
    const insertDataset = store.database.connection.prepare(
      `INSERT INTO datasets (id, name, format, fingerprint, image_height, image_width, channels, class_count, train_count,
        test_count, cache_path, manifest_json, created_at) VALUES (?, ?, 'idx', ?, 28, 28, 1, 10, 100, 10, 'x', '{}', ?)`,
    );
    insertDataset.run('d1', 'first', 'f1', '2026-01-01');
    insertDataset.run('d2', 'second', 'f2', '2026-01-02');
    store.database.connection
      .prepare(
        `INSERT INTO experiments (id, name, dataset_id, spec_json, status, created_at, updated_at) VALUES ('e1', 'exp', 'd1', '{}', 'queued', 'a', 'b')`,
      )
      .run();
    expect(store.datasets.list().map((dataset) => dataset.id)).toEqual(['d2', 'd1']);
    expect(store.experiments.list()).toEqual([
      expect.objectContaining({ id: 'e1', datasetName: 'first', status: 'queued' }),
    ]);
    expect(store.experiments.list('d2')).toEqual([]);
    store.close();
  });
});

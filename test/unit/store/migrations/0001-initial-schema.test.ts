import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { initialSchema } from '../../../../src-main/store/migrations/0001-initial-schema.js';

describe('migration 0001: initial schema', () => {
  it('creates strict tables with constraints and the list indexes', () => {
    const connection = new Database(':memory:');
    connection.pragma('foreign_keys = ON');
    initialSchema.up(connection);
    const strict = connection
      .prepare(
        `SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'`,
      )
      .all();
    expect(strict).toEqual(
      expect.arrayContaining([
        { name: 'datasets', strict: 1 },
        { name: 'experiments', strict: 1 },
        { name: 'event_log', strict: 1 },
      ]),
    );
    expect(() =>
      connection
        .prepare(
          `INSERT INTO experiments (id, name, dataset_id, spec_json, status, created_at, updated_at) VALUES ('e', 'n', 'missing', '{}', 'queued', 'a', 'b')`,
        )
        .run(),
    ).toThrow(/FOREIGN KEY/);
    expect(() =>
      connection
        .prepare(
          `INSERT INTO datasets (id, name, format, fingerprint, image_height, image_width, channels, class_count, train_count, test_count, cache_path, manifest_json, created_at) VALUES ('d', 'n', 'f', 'x', 28, 28, 2, 10, 1, 1, 'p', '{}', 'now')`,
        )
        .run(),
    ).toThrow(/CHECK/);
    const plan = connection
      .prepare(`EXPLAIN QUERY PLAN SELECT id FROM datasets WHERE deleted_at IS NULL ORDER BY created_at DESC`)
      .all() as { detail: string }[];
    expect(plan.map((row) => row.detail).join(' ')).toMatch(/USING INDEX datasets_by_created/);
    connection.close();
  });
});

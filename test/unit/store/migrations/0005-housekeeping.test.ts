import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { initialSchema } from '../../../../src-main/store/migrations/0001-initial-schema.js';
import { runsAndMetrics } from '../../../../src-main/store/migrations/0002-runs-and-metrics.js';
import { homeOwner } from '../../../../src-main/store/migrations/0003-home-owner.js';
import { teachers } from '../../../../src-main/store/migrations/0004-teachers.js';
import { housekeeping } from '../../../../src-main/store/migrations/0005-housekeeping.js';

function planOf(connection: Database.Database, sql: string, ...parameters: string[]): string {
  return connection
    .prepare(`EXPLAIN QUERY PLAN ${sql}`)
    .all(...parameters)
    .map((row) => (row as { detail: string }).detail)
    .join(' ');
}

function columnsOf(connection: Database.Database, table: string): string[] {
  return (connection.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map(
    (row) => row.name,
  );
}

describe('migration 0005: housekeeping', () => {
  it('drops the unused deleted_at columns, keeps every row and the list indexes', () => {
    const connection = new Database(':memory:');
    connection.pragma('foreign_keys = ON');
    for (const migration of [initialSchema, runsAndMetrics, homeOwner, teachers]) migration.up(connection);
    connection.exec(`
      INSERT INTO datasets VALUES ('d1', 'cifar', 'cifar10', 'f', 32, 32, 3, 10, 100, 20, '/c', '{}', 'now', NULL);
      INSERT INTO experiments VALUES ('e1', 'x', 'd1', '{}', 'queued', 'now', 'now', NULL);
      INSERT INTO runs (id, experiment_id, role, method, backbone, seed, status, queue_position, config_json,
        epochs_total, created_at, updated_at) VALUES ('r1', 'e1', 'student', 'none', 'resnet8', 1, 'done', 1, '{}', 1,
        'now', 'now');
      INSERT INTO exports VALUES ('x1', 'r1', 'onnx', 'float32', '/somewhere/edge/student-onnx', '{}', 'now');
    `);
    housekeeping.up(connection);
    expect(columnsOf(connection, 'datasets')).not.toContain('deleted_at');
    expect(columnsOf(connection, 'experiments')).not.toContain('deleted_at');
    expect(connection.prepare(`SELECT id, name FROM experiments`).all()).toEqual([{ id: 'e1', name: 'x' }]);
    expect(planOf(connection, `SELECT id FROM datasets ORDER BY created_at DESC`)).toMatch(
      /USING (COVERING )?INDEX datasets_by_created/,
    );
    expect(planOf(connection, `SELECT id FROM experiments ORDER BY created_at DESC`)).toMatch(
      /USING (COVERING )?INDEX experiments_by_created/,
    );
    // The foreign keys still hold after the tables were rewritten.
    expect(() => connection.exec(`DELETE FROM datasets WHERE id = 'd1'`)).toThrow(/FOREIGN KEY/);
    connection.close();
  });

  it('names existing exports after their folder and finds the runs a teacher teaches by index', () => {
    const connection = new Database(':memory:');
    connection.pragma('foreign_keys = ON');
    for (const migration of [initialSchema, runsAndMetrics, homeOwner, teachers]) migration.up(connection);
    connection.exec(`
      INSERT INTO datasets VALUES ('d1', 'cifar', 'cifar10', 'f', 32, 32, 3, 10, 100, 20, '/c', '{}', 'now', NULL);
      INSERT INTO experiments VALUES ('e1', 'x', 'd1', '{}', 'queued', 'now', 'now', NULL);
      INSERT INTO runs (id, experiment_id, role, method, backbone, seed, status, queue_position, config_json,
        epochs_total, created_at, updated_at) VALUES ('r1', 'e1', 'student', 'none', 'resnet8', 1, 'done', 1, '{}', 1,
        'now', 'now');
      INSERT INTO exports VALUES ('x1', 'r1', 'onnx', 'float32', '/somewhere/edge/student-onnx', '{}', 'now');
    `);
    housekeeping.up(connection);
    expect(connection.prepare(`SELECT name FROM exports WHERE id = 'x1'`).get()).toEqual({
      name: 'student-onnx',
    });
    expect(planOf(connection, `SELECT id FROM runs WHERE teacher_run_id = ?`, 'r1')).toMatch(
      /USING (COVERING )?INDEX runs_by_teacher_run/,
    );
    expect(planOf(connection, `SELECT id FROM runs WHERE teacher_id = ?`, 't1')).toMatch(
      /USING (COVERING )?INDEX runs_by_teacher/,
    );
    expect(() =>
      connection.exec(
        `INSERT INTO pending_deletions VALUES ('/h/runs/.deleting-r1', '/h/runs/r1', 'model', 'r1', 'now')`,
      ),
    ).toThrow(/CHECK/);
    connection.close();
  });
});

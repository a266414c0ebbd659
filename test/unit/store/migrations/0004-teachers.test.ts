import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { initialSchema } from '../../../../src-main/store/migrations/0001-initial-schema.js';
import { runsAndMetrics } from '../../../../src-main/store/migrations/0002-runs-and-metrics.js';
import { homeOwner } from '../../../../src-main/store/migrations/0003-home-owner.js';
import { teachers } from '../../../../src-main/store/migrations/0004-teachers.js';

describe('migration 0004: teachers', () => {
  it('keeps imported teachers of known datasets and formats, and lets runs name their teacher', () => {
    const connection = new Database(':memory:');
    connection.pragma('foreign_keys = ON');
    for (const migration of [initialSchema, runsAndMetrics, homeOwner]) migration.up(connection);
    connection.exec(`
      INSERT INTO datasets VALUES ('d1', 'cifar', 'cifar10', '${'a'.repeat(64)}', 32, 32, 3, 10, 100, 20, '/c',
        '{}', 'now', NULL);
      INSERT INTO experiments VALUES ('e1', 'x', 'd1', '{}', 'queued', 'now', 'now', NULL);
      INSERT INTO runs (id, experiment_id, role, method, backbone, seed, status, queue_position, config_json,
        epochs_total, created_at, updated_at) VALUES ('r0', 'e1', 'student', 'kd', 'resnet8', 1, 'queued', 1, '{}', 1,
        'now', 'now');
    `);
    teachers.up(connection);
    const insert = (id: string, format: string, datasetId: string) =>
      connection
        .prepare(
          `INSERT INTO teachers VALUES (?, 'teacher', ?, '/t.onnx', '${'b'.repeat(64)}', ?, NULL, 10, '[3,32,32]',
             'NCHW', '{}', '[]', 91.5, 99.1, '[]', '{}', '/home/teachers/t1', 'now')`,
        )
        .run(id, format, datasetId);
    insert('t1', 'onnx', 'd1');
    expect(() => insert('t2', 'keras', 'd1')).toThrow(/CHECK/);
    expect(() => insert('t3', 'onnx', 'missing')).toThrow(/FOREIGN KEY/);
    // Runs made before the migration keep no teacher; new ones may name an imported one.
    expect(connection.prepare(`SELECT teacher_id FROM runs WHERE id = 'r0'`).get()).toEqual({
      teacher_id: null,
    });
    connection.exec(`UPDATE runs SET teacher_id = 't1' WHERE id = 'r0'`);
    expect(() => connection.exec(`UPDATE runs SET teacher_id = 'nobody' WHERE id = 'r0'`)).toThrow(
      /FOREIGN KEY/,
    );
    const plan = connection
      .prepare(`EXPLAIN QUERY PLAN SELECT * FROM teachers WHERE dataset_id = ? ORDER BY created_at DESC`)
      .all('d1')
      .map((row) => (row as { detail: string }).detail)
      .join(' ');
    expect(plan).toMatch(/USING INDEX teachers_by_dataset/);
    connection.close();
  });
});

import { basename } from 'node:path';
import type { Migration } from './index.js';

/**
 * Deleting for real: the unused `deleted_at` columns go (a deletion removes the rows and the files), exports
 * get a name a person can change, the runs a teacher teaches are found by index, and deletions whose folders
 * are not removed yet are journaled, so a crash between the store and the disk is finished at the next start.
 */
export const housekeeping: Migration = {
  version: 5,
  name: 'housekeeping',
  up(database) {
    database.exec(`
      DROP INDEX datasets_by_created;
      ALTER TABLE datasets DROP COLUMN deleted_at;
      CREATE INDEX datasets_by_created ON datasets (created_at DESC);

      DROP INDEX experiments_by_created;
      ALTER TABLE experiments DROP COLUMN deleted_at;
      CREATE INDEX experiments_by_created ON experiments (created_at DESC);

      ALTER TABLE exports ADD COLUMN name TEXT NOT NULL DEFAULT '';

      CREATE INDEX runs_by_teacher_run ON runs (teacher_run_id);
      CREATE INDEX runs_by_teacher ON runs (teacher_id);

      CREATE TABLE pending_deletions (
        staging_path TEXT PRIMARY KEY,
        path TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('dataset', 'run', 'export', 'teacher')),
        subject_id TEXT NOT NULL,
        requested_at TEXT NOT NULL
      ) STRICT;
    `);
    const rename = database.prepare(`UPDATE exports SET name = ? WHERE id = ?`);
    for (const row of database.prepare(`SELECT id, path FROM exports`).all() as {
      id: string;
      path: string;
    }[]) {
      rename.run(basename(row.path), row.id);
    }
  },
};

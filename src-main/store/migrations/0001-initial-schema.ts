import type { Migration } from './index.js';

/** Datasets, experiments and an event log: what the home screen lists. */
export const initialSchema: Migration = {
  version: 1,
  name: 'initial schema',
  up(database) {
    database.exec(`
      CREATE TABLE datasets (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        format TEXT NOT NULL,
        fingerprint TEXT NOT NULL UNIQUE,
        image_height INTEGER NOT NULL CHECK (image_height > 0),
        image_width INTEGER NOT NULL CHECK (image_width > 0),
        channels INTEGER NOT NULL CHECK (channels IN (1, 3)),
        class_count INTEGER NOT NULL CHECK (class_count > 1),
        train_count INTEGER NOT NULL CHECK (train_count >= 0),
        test_count INTEGER NOT NULL CHECK (test_count >= 0),
        cache_path TEXT NOT NULL,
        manifest_json TEXT NOT NULL,
        created_at TEXT NOT NULL,
        deleted_at TEXT
      ) STRICT;
      CREATE INDEX datasets_by_created ON datasets (created_at DESC) WHERE deleted_at IS NULL;

      CREATE TABLE experiments (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        dataset_id TEXT NOT NULL REFERENCES datasets (id),
        spec_json TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('draft', 'queued', 'running', 'paused', 'done', 'failed', 'cancelled')),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        deleted_at TEXT
      ) STRICT;
      CREATE INDEX experiments_by_created ON experiments (created_at DESC) WHERE deleted_at IS NULL;
      CREATE INDEX experiments_by_dataset ON experiments (dataset_id);

      CREATE TABLE event_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        subject_id TEXT,
        message TEXT NOT NULL
      ) STRICT;
    `);
  },
};

import type { Migration } from './index.js';

/**
 * Imported teachers (ONNX graphs, PyTorch and safetensors checkpoints) with what the import measured, and the
 * teacher each run learned from, for lineage.
 */
export const teachers: Migration = {
  version: 4,
  name: 'teachers',
  up(database) {
    database.exec(`
      CREATE TABLE teachers (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        format TEXT NOT NULL CHECK (format IN ('onnx', 'pytorch', 'safetensors')),
        source_path TEXT NOT NULL,
        fingerprint TEXT NOT NULL CHECK (length(fingerprint) = 64),
        dataset_id TEXT NOT NULL REFERENCES datasets (id),
        backbone TEXT,
        class_count INTEGER NOT NULL CHECK (class_count > 1),
        input_shape_json TEXT NOT NULL,
        layout TEXT NOT NULL CHECK (layout IN ('NCHW', 'NHWC')),
        contract_json TEXT NOT NULL,
        taps_json TEXT NOT NULL,
        test_top1 REAL NOT NULL CHECK (test_top1 BETWEEN 0 AND 100),
        test_top5 REAL NOT NULL CHECK (test_top5 BETWEEN 0 AND 100),
        per_class_json TEXT NOT NULL,
        details_json TEXT NOT NULL,
        directory TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX teachers_by_created ON teachers (created_at DESC);
      CREATE INDEX teachers_by_dataset ON teachers (dataset_id);

      ALTER TABLE runs ADD COLUMN teacher_id TEXT REFERENCES teachers (id);
    `);
  },
};

import type Database from 'better-sqlite3';
import type { Migration } from './index.js';

/**
 * Runs and what they produce: per-epoch metrics, per-class accuracy, RTK/AFD attention and selection matrices,
 * checkpoints, models (teachers and students) and exports.
 */
export const runsAndMetrics: Migration = {
  version: 2,
  name: 'runs and metrics',
  up(database) {
    createRunsTable(database);
    createMetricTables(database);
    createCheckpointsTable(database);
    createModelsTable(database);
    createExportsTable(database);
    indexEventLogBySubject(database);
  },
};

/** Runs, indexed by experiment and by status in queue order. */
function createRunsTable(database: Database.Database): void {
  database.exec(`
      CREATE TABLE runs (
        id TEXT PRIMARY KEY,
        experiment_id TEXT NOT NULL REFERENCES experiments (id),
        role TEXT NOT NULL CHECK (role IN ('teacher', 'student')),
        method TEXT NOT NULL CHECK (method IN ('none', 'kd', 'at', 'afd', 'rtk')),
        backbone TEXT NOT NULL,
        seed INTEGER NOT NULL,
        status TEXT NOT NULL
          CHECK (status IN ('queued', 'running', 'paused', 'interrupted', 'failed', 'done', 'cancelled')),
        queue_position INTEGER NOT NULL,
        teacher_run_id TEXT REFERENCES runs (id),
        config_json TEXT NOT NULL,
        epochs_total INTEGER NOT NULL CHECK (epochs_total > 0),
        epochs_done INTEGER NOT NULL DEFAULT 0 CHECK (epochs_done >= 0),
        best_test_top1 REAL,
        last_test_top1 REAL,
        backend TEXT,
        error TEXT,
        created_at TEXT NOT NULL,
        started_at TEXT,
        finished_at TEXT,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX runs_by_experiment ON runs (experiment_id, queue_position);
      CREATE INDEX runs_by_status ON runs (status, queue_position);
  `);
}

/** What each epoch of a run measures: the metrics, per-class accuracy and the RTK/AFD matrices. */
function createMetricTables(database: Database.Database): void {
  database.exec(`
      CREATE TABLE epoch_metrics (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL CHECK (epoch > 0),
        learning_rate REAL NOT NULL,
        train_loss REAL NOT NULL,
        train_ce REAL NOT NULL,
        train_kd REAL NOT NULL,
        train_feature REAL NOT NULL,
        train_top1 REAL NOT NULL,
        test_loss REAL NOT NULL,
        test_top1 REAL NOT NULL,
        test_top5 REAL NOT NULL,
        seconds REAL NOT NULL,
        images_per_second REAL NOT NULL,
        PRIMARY KEY (run_id, epoch)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE class_accuracy (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        class_index INTEGER NOT NULL,
        accuracy REAL NOT NULL,
        PRIMARY KEY (run_id, epoch, class_index)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE attention_matrices (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('attention', 'selection')),
        row_count INTEGER NOT NULL,
        column_count INTEGER NOT NULL,
        values_json TEXT NOT NULL,
        PRIMARY KEY (run_id, epoch, kind)
      ) STRICT, WITHOUT ROWID;
  `);
}

/** One checkpoint file per saved epoch of a run. */
function createCheckpointsTable(database: Database.Database): void {
  database.exec(`
      CREATE TABLE checkpoints (
        run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
        epoch INTEGER NOT NULL,
        path TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (run_id, epoch)
      ) STRICT, WITHOUT ROWID;
  `);
}

/** Teachers and students, from a run or imported, indexed by the run that produced them. */
function createModelsTable(database: Database.Database): void {
  database.exec(`
      CREATE TABLE models (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        source TEXT NOT NULL CHECK (source IN ('run', 'import')),
        run_id TEXT REFERENCES runs (id),
        backbone TEXT,
        path TEXT NOT NULL,
        class_count INTEGER NOT NULL,
        image_height INTEGER NOT NULL,
        image_width INTEGER NOT NULL,
        channels INTEGER NOT NULL,
        parameter_count INTEGER NOT NULL,
        test_top1 REAL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX models_by_run ON models (run_id);
  `);
}

/** Exported students, indexed by run. */
function createExportsTable(database: Database.Database): void {
  database.exec(`
      CREATE TABLE exports (
        id TEXT PRIMARY KEY,
        run_id TEXT NOT NULL REFERENCES runs (id),
        format TEXT NOT NULL CHECK (format IN ('tfjs', 'onnx')),
        precision TEXT NOT NULL CHECK (precision IN ('float32', 'float16', 'uint8')),
        path TEXT NOT NULL,
        report_json TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX exports_by_run ON exports (run_id);
  `);
}

/** Lets a run's or an experiment's events be listed without scanning the whole log. */
function indexEventLogBySubject(database: Database.Database): void {
  database.exec(`
      CREATE INDEX event_log_by_subject ON event_log (subject_id, id);
  `);
}

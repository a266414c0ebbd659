import type Database from 'better-sqlite3';
import { z } from 'zod';
import { parseStoredJson } from '../../../src-shared/contracts/stored-json.js';
import type { EpochRecord, RunStatus, RunSummary } from '../../../src-shared/contracts/run-types.js';
import { runStatuses } from '../../../src-shared/contracts/run-types.js';
import type { DistillationMethod } from '../../../src-shared/domain/method-catalog.js';
import { distillationMethods } from '../../../src-shared/domain/method-catalog.js';

interface RunRow {
  id: string;
  experiment_id: string;
  role: string;
  method: string;
  backbone: string;
  seed: number;
  status: string;
  queue_position: number;
  teacher_run_id: string | null;
  epochs_total: number;
  epochs_done: number;
  best_test_top1: number | null;
  last_test_top1: number | null;
  backend: string | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

interface MetricRow {
  epoch: number;
  learning_rate: number;
  train_loss: number;
  train_ce: number;
  train_kd: number;
  train_feature: number;
  train_top1: number;
  test_loss: number;
  test_top1: number;
  test_top5: number;
  seconds: number;
  images_per_second: number;
}

/** A run to create: everything but its status and results. */
export interface NewRun {
  readonly id: string;
  readonly experimentId: string;
  readonly role: 'teacher' | 'student';
  readonly method: DistillationMethod;
  readonly backbone: string;
  readonly seed: number;
  readonly teacherRunId: string | null;
  /** The imported teacher the run learns from, for lineage. */
  readonly teacherId?: string | null;
  readonly configJson: string;
  readonly epochsTotal: number;
}

function toRunSummary(row: RunRow): RunSummary {
  const status = runStatuses.find((known) => known === row.status);
  const method = distillationMethods.find((known) => known === row.method);
  if (status === undefined || method === undefined || (row.role !== 'teacher' && row.role !== 'student')) {
    throw new Error(`The store holds run ${row.id} with an unknown status, method or role.`);
  }
  return {
    id: row.id,
    experimentId: row.experiment_id,
    role: row.role,
    method,
    backbone: row.backbone,
    seed: row.seed,
    status,
    queuePosition: row.queue_position,
    teacherRunId: row.teacher_run_id,
    epochsTotal: row.epochs_total,
    epochsDone: row.epochs_done,
    bestTestTop1: row.best_test_top1,
    lastTestTop1: row.last_test_top1,
    backend: row.backend,
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
  };
}

const runColumns = `id, experiment_id, role, method, backbone, seed, status, queue_position, teacher_run_id, epochs_total,
  epochs_done, best_test_top1, last_test_top1, backend, error, created_at, started_at, finished_at`;

const matrixSchema = z.array(z.array(z.number()));

/** Reads and writes runs and everything they record; statements are prepared once, writes are transactions. */
export class RunsRepository {
  private readonly statements;

  constructor(private readonly connection: Database.Database) {
    this.statements = {
      insert: connection.prepare(
        `INSERT INTO runs (id, experiment_id, role, method, backbone, seed, status, queue_position, teacher_run_id,
           teacher_id, config_json, epochs_total, created_at, updated_at)
         VALUES (@id, @experimentId, @role, @method, @backbone, @seed, 'queued',
           (SELECT COALESCE(MAX(queue_position), 0) + 1 FROM runs), @teacherRunId, @teacherId, @configJson,
           @epochsTotal, @now, @now)`,
      ),
      get: connection.prepare<[string], RunRow>(`SELECT ${runColumns} FROM runs WHERE id = ?`),
      config: connection.prepare<[string], { config_json: string }>(
        `SELECT config_json FROM runs WHERE id = ?`,
      ),
      ofExperiment: connection.prepare<[string], RunRow>(
        `SELECT ${runColumns} FROM runs WHERE experiment_id = ? ORDER BY queue_position`,
      ),
      all: connection.prepare<[], RunRow>(`SELECT ${runColumns} FROM runs ORDER BY queue_position DESC`),
      withStatus: connection.prepare<[string], RunRow>(
        `SELECT ${runColumns} FROM runs WHERE status = ? ORDER BY queue_position`,
      ),
      setStatus: connection.prepare(
        `UPDATE runs SET status = @status, error = @error, updated_at = @now,
           started_at = CASE WHEN @status = 'running' AND started_at IS NULL THEN @now ELSE started_at END,
           finished_at = CASE WHEN @status IN ('done', 'failed', 'cancelled') THEN @now ELSE finished_at END,
           backend = COALESCE(@backend, backend)
         WHERE id = @id`,
      ),
      requeue: connection.prepare(
        `UPDATE runs SET status = 'queued', error = NULL, updated_at = @now,
           queue_position = (SELECT COALESCE(MAX(queue_position), 0) + 1 FROM runs) WHERE id = @id`,
      ),
      insertMetric: connection.prepare(
        `INSERT OR REPLACE INTO epoch_metrics (run_id, epoch, learning_rate, train_loss, train_ce, train_kd, train_feature,
           train_top1, test_loss, test_top1, test_top5, seconds, images_per_second)
         VALUES (@runId, @epoch, @learningRate, @trainLoss, @trainCe, @trainKd, @trainFeature, @trainTop1, @testLoss,
           @testTop1, @testTop5, @seconds, @imagesPerSecond)`,
      ),
      insertClassAccuracy: connection.prepare(
        `INSERT OR REPLACE INTO class_accuracy (run_id, epoch, class_index, accuracy) VALUES (?, ?, ?, ?)`,
      ),
      insertMatrix: connection.prepare(
        `INSERT OR REPLACE INTO attention_matrices (run_id, epoch, kind, row_count, column_count, values_json)
         VALUES (?, ?, ?, ?, ?, ?)`,
      ),
      insertCheckpoint: connection.prepare(
        `INSERT OR REPLACE INTO checkpoints (run_id, epoch, path, created_at) VALUES (?, ?, ?, ?)`,
      ),
      updateProgress: connection.prepare(
        `UPDATE runs SET epochs_done = @epoch, last_test_top1 = @testTop1,
           best_test_top1 = MAX(COALESCE(best_test_top1, @testTop1), @testTop1), updated_at = @now WHERE id = @runId`,
      ),
      metrics: connection.prepare<[string], MetricRow>(
        `SELECT epoch, learning_rate, train_loss, train_ce, train_kd, train_feature, train_top1, test_loss, test_top1,
           test_top5, seconds, images_per_second FROM epoch_metrics WHERE run_id = ? ORDER BY epoch`,
      ),
      classAccuracy: connection.prepare<[string], { epoch: number; class_index: number; accuracy: number }>(
        `SELECT epoch, class_index, accuracy FROM class_accuracy WHERE run_id = ? ORDER BY epoch, class_index`,
      ),
      matrices: connection.prepare<[string], { epoch: number; kind: string; values_json: string }>(
        `SELECT epoch, kind, values_json FROM attention_matrices WHERE run_id = ? ORDER BY epoch`,
      ),
      latestCheckpoint: connection.prepare<[string], { epoch: number; path: string }>(
        `SELECT epoch, path FROM checkpoints WHERE run_id = ? ORDER BY epoch DESC LIMIT 1`,
      ),
      dropMetricsAfter: connection.prepare(`DELETE FROM epoch_metrics WHERE run_id = ? AND epoch > ?`),
      dropClassAccuracyAfter: connection.prepare(`DELETE FROM class_accuracy WHERE run_id = ? AND epoch > ?`),
      dropMatricesAfter: connection.prepare(`DELETE FROM attention_matrices WHERE run_id = ? AND epoch > ?`),
    };
  }

  /** Creates runs in order, all or none. */
  createMany(runs: readonly NewRun[]): void {
    const now = new Date().toISOString();
    this.connection.transaction(() => {
      for (const run of runs) this.statements.insert.run({ teacherId: null, ...run, now });
    })();
  }

  /** One run, or undefined. */
  get(id: string): RunSummary | undefined {
    const row = this.statements.get.get(id);
    return row === undefined ? undefined : toRunSummary(row);
  }

  /** The stored training config of a run (JSON), or undefined for an unknown run. */
  configJson(id: string): string | undefined {
    return this.statements.config.get(id)?.config_json;
  }

  /** The runs of an experiment in queue order. */
  listOfExperiment(experimentId: string): RunSummary[] {
    return this.statements.ofExperiment.all(experimentId).map(toRunSummary);
  }

  /** Every run, most recently queued first. */
  list(): RunSummary[] {
    return this.statements.all.all().map(toRunSummary);
  }

  /** Runs in one status, in queue order. */
  listWithStatus(status: RunStatus): RunSummary[] {
    return this.statements.withStatus.all(status).map(toRunSummary);
  }

  /**
   * Atomically takes the first queued run, in queue order, that `isEligible` accepts and marks it running: the
   * choice and the status change happen in one immediate transaction, so two processes cannot take one run.
   */
  claimNext(
    backend: string | null,
    isEligible: (run: RunSummary) => boolean = () => true,
  ): RunSummary | undefined {
    return this.connection
      .transaction(() => {
        for (const row of this.statements.withStatus.all('queued')) {
          const run = toRunSummary(row);
          if (!isEligible(run)) continue;
          this.setStatus(run.id, 'running', null, backend);
          return this.get(run.id);
        }
        return undefined;
      })
      .immediate();
  }

  /**
   * Changes a run's status only while it still has one of the `expected` statuses, in one immediate
   * transaction; false when another process changed it first.
   */
  transition(
    id: string,
    expected: readonly RunStatus[],
    status: RunStatus,
    error: string | null = null,
  ): boolean {
    return this.connection
      .transaction(() => {
        const current = this.statements.get.get(id);
        if (current === undefined || !expected.some((candidate) => candidate === current.status))
          return false;
        this.setStatus(id, status, error);
        return true;
      })
      .immediate();
  }

  /** Changes a run's status, with the reason for failed and interrupted runs. */
  setStatus(id: string, status: RunStatus, error: string | null = null, backend: string | null = null): void {
    this.statements.setStatus.run({ id, status, error, backend, now: new Date().toISOString() });
  }

  /** Puts a run back at the end of the queue. */
  requeue(id: string): void {
    this.statements.requeue.run({ id, now: new Date().toISOString() });
  }

  /** Marks every run left running (by a process that died) as interrupted; returns how many. */
  interruptAbandoned(reason: string): number {
    return this.connection.transaction(() => {
      const abandoned = this.statements.withStatus.all('running');
      for (const row of abandoned) this.setStatus(row.id, 'interrupted', reason);
      return abandoned.length;
    })();
  }

  /** Records one finished epoch (metrics, per-class accuracy, matrices, checkpoint) in one transaction. */
  recordEpoch(runId: string, record: EpochRecord, checkpointPath: string | null): void {
    const now = new Date().toISOString();
    this.connection.transaction(() => {
      this.statements.insertMetric.run({ runId, ...record });
      record.perClass.forEach((accuracy, classIndex) => {
        if (accuracy !== null)
          this.statements.insertClassAccuracy.run(runId, record.epoch, classIndex, accuracy);
      });
      for (const [kind, matrix] of [
        ['attention', record.attention],
        ['selection', record.selection],
      ] as const) {
        if (matrix === null) continue;
        this.statements.insertMatrix.run(
          runId,
          record.epoch,
          kind,
          matrix.length,
          matrix[0]?.length ?? 0,
          JSON.stringify(matrix),
        );
      }
      if (checkpointPath !== null)
        this.statements.insertCheckpoint.run(runId, record.epoch, checkpointPath, now);
      this.statements.updateProgress.run({ runId, epoch: record.epoch, testTop1: record.testTop1, now });
    })();
  }

  /** Forgets epochs after `epoch` (their work is redone when a run resumes from an earlier checkpoint). */
  truncateAfter(runId: string, epoch: number): void {
    this.connection.transaction(() => {
      this.statements.dropMetricsAfter.run(runId, epoch);
      this.statements.dropClassAccuracyAfter.run(runId, epoch);
      this.statements.dropMatricesAfter.run(runId, epoch);
    })();
  }

  /** Every recorded epoch of a run, in order, with per-class accuracy and matrices. */
  epochs(runId: string): EpochRecord[] {
    const perClass = new Map<number, (number | null)[]>();
    for (const row of this.statements.classAccuracy.all(runId)) {
      const list = perClass.get(row.epoch) ?? [];
      list[row.class_index] = row.accuracy;
      perClass.set(row.epoch, list);
    }
    const matrices = new Map<string, number[][]>();
    for (const row of this.statements.matrices.all(runId)) {
      matrices.set(
        `${row.epoch}:${row.kind}`,
        parseStoredJson(
          matrixSchema,
          { text: row.values_json },
          `The stored ${row.kind} matrix of run ${runId}, epoch ${row.epoch}`,
          'a matrix of numbers',
        ),
      );
    }
    return this.statements.metrics.all(runId).map((row) => ({
      epoch: row.epoch,
      learningRate: row.learning_rate,
      trainLoss: row.train_loss,
      trainCe: row.train_ce,
      trainKd: row.train_kd,
      trainFeature: row.train_feature,
      trainTop1: row.train_top1,
      testLoss: row.test_loss,
      testTop1: row.test_top1,
      testTop5: row.test_top5,
      seconds: row.seconds,
      imagesPerSecond: row.images_per_second,
      perClass: Array.from(perClass.get(row.epoch) ?? [], (value) => value ?? null),
      attention: matrices.get(`${row.epoch}:attention`) ?? null,
      selection: matrices.get(`${row.epoch}:selection`) ?? null,
    }));
  }

  /** The newest checkpoint of a run, or undefined. */
  latestCheckpoint(runId: string): { epoch: number; path: string } | undefined {
    return this.statements.latestCheckpoint.get(runId);
  }
}

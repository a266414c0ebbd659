import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { EpochRecord } from '../../../src-shared/contracts/run-types.js';
import { openWorkbenchStore } from '../../../src-main/store/workbench-store.js';
import type { WorkbenchStore } from '../../../src-main/store/workbench-store.js';
import { fixtureManifest, fixtureSpec } from '../../support/stored-fixtures.js';

function storeWithExperiment(): { store: WorkbenchStore; home: string } {
  const home = mkdtempSync(join(tmpdir(), 'rtk-runs-'));
  const store = openWorkbenchStore(home);
  store.datasets.insert({
    id: 'd1',
    name: 'digits',
    format: 'idx',
    fingerprint: 'f1',
    imageHeight: 28,
    imageWidth: 28,
    channels: 1,
    classCount: 3,
    trainCount: 10,
    testCount: 5,
    cachePath: '/cache',
    manifest: fixtureManifest(),
  });
  store.experiments.insert({ id: 'e1', name: 'first', datasetId: 'd1', spec: fixtureSpec() });
  store.runs.createMany(
    ['a', 'b', 'c'].map((id, index) => ({
      id,
      experimentId: 'e1',
      role: index === 0 ? ('teacher' as const) : ('student' as const),
      method: index === 2 ? ('rtk' as const) : ('none' as const),
      backbone: 'resnet8',
      seed: 1,
      teacherRunId: index === 2 ? 'a' : null,
      configJson: '{}',
      epochsTotal: 3,
    })),
  );
  return { store, home };
}

function epoch(number: number, top1: number): EpochRecord {
  return {
    epoch: number,
    learningRate: 0.05,
    trainLoss: 1,
    trainCe: 0.8,
    trainKd: 0.1,
    trainFeature: 0.1,
    trainTop1: 0.5,
    testLoss: 1.1,
    testTop1: top1,
    testTop5: 0.9,
    seconds: 2,
    imagesPerSecond: 100,
    perClass: [0.5, null, 0.7],
    attention: [
      [0.25, 0.75],
      [0.5, 0.5],
    ],
    selection: [
      [1, 0],
      [0, 1],
    ],
  };
}

describe('the runs repository', () => {
  it('keeps queue order and claims each queued run once', () => {
    const { store } = storeWithExperiment();
    expect(store.runs.listOfExperiment('e1').map((run) => [run.id, run.status])).toEqual([
      ['a', 'queued'],
      ['b', 'queued'],
      ['c', 'queued'],
    ]);
    expect(store.runs.claimNext('wasm')?.id).toBe('a');
    expect(store.runs.claimNext('wasm')?.id).toBe('b');
    expect(store.runs.get('a')).toMatchObject({ status: 'running', backend: 'wasm' });
    expect(store.runs.get('a')?.startedAt).not.toBeNull();
  });

  it('records an epoch with metrics, per-class accuracy, matrices and checkpoint, and tracks best and last', () => {
    const { store } = storeWithExperiment();
    store.runs.recordEpoch('c', epoch(1, 0.6), '/runs/c/checkpoint');
    store.runs.recordEpoch('c', epoch(2, 0.55), '/runs/c/checkpoint');
    expect(store.runs.epochs('c')).toEqual([epoch(1, 0.6), epoch(2, 0.55)]);
    expect(store.runs.get('c')).toMatchObject({ epochsDone: 2, bestTestTop1: 0.6, lastTestTop1: 0.55 });
    expect(store.runs.latestCheckpoint('c')).toEqual({ epoch: 2, path: '/runs/c/checkpoint' });
    store.runs.truncateAfter('c', 1);
    expect(store.runs.epochs('c').map((record) => record.epoch)).toEqual([1]);
  });

  it('marks runs left running by a dead process as interrupted, with the reason', () => {
    const { store } = storeWithExperiment();
    store.runs.claimNext(null);
    expect(store.runs.interruptAbandoned('the app stopped')).toBe(1);
    expect(store.runs.get('a')).toMatchObject({ status: 'interrupted', error: 'the app stopped' });
  });

  it('lets a second connection read lists while a run writes metrics, without waiting', () => {
    const { store, home } = storeWithExperiment();
    const reader = new Database(join(home, 'workbench.sqlite'), { readonly: true });
    reader.pragma('busy_timeout = 0');
    const write = store.database.connection.transaction(() => {
      store.runs.recordEpoch('c', epoch(1, 0.6), null);
      // busy_timeout 0 makes a blocked read throw SQLITE_BUSY; WAL lets it see the last committed state instead.
      const rows = reader
        .prepare(`SELECT id, status FROM runs WHERE experiment_id = 'e1' ORDER BY queue_position`)
        .all();
      const metrics = reader.prepare(`SELECT COUNT(*) AS count FROM epoch_metrics`).get() as {
        count: number;
      };
      return { rows: rows.length, metrics: metrics.count };
    });
    const seen = write();
    expect(seen.rows).toBe(3);
    expect(seen.metrics).toBe(0);
    expect(
      (reader.prepare(`SELECT COUNT(*) AS count FROM epoch_metrics`).get() as { count: number }).count,
    ).toBe(1);
    reader.close();
  });

  it('answers the hot queries from indexes', () => {
    const { store } = storeWithExperiment();
    const plan = (sql: string) =>
      (store.database.connection.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[])
        .map((row) => row.detail)
        .join(' | ');
    expect(plan(`SELECT id FROM runs WHERE experiment_id = 'e1' ORDER BY queue_position`)).toMatch(
      /USING INDEX runs_by_experiment/,
    );
    expect(plan(`SELECT id FROM runs WHERE status = 'queued' ORDER BY queue_position LIMIT 1`)).toMatch(
      /USING INDEX runs_by_status/,
    );
    expect(plan(`SELECT * FROM epoch_metrics WHERE run_id = 'c' ORDER BY epoch`)).toMatch(
      /USING PRIMARY KEY/,
    );
    expect(
      plan(`SELECT epoch, path FROM checkpoints WHERE run_id = 'c' ORDER BY epoch DESC LIMIT 1`),
    ).toMatch(/USING PRIMARY KEY/);
    for (const sql of [
      `SELECT id FROM runs WHERE experiment_id = 'e1' ORDER BY queue_position`,
      `SELECT * FROM epoch_metrics WHERE run_id = 'c' ORDER BY epoch`,
    ]) {
      expect(plan(sql)).not.toMatch(/SCAN (runs|epoch_metrics)\b(?! USING)/);
    }
  });
});

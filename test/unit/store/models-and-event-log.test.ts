import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openWorkbenchStore } from '../../../src-main/store/workbench-store.js';

describe('the models repository and the event log', () => {
  it('records imported and trained models and lists them newest first', () => {
    const store = openWorkbenchStore(mkdtempSync(join(tmpdir(), 'rtk-models-')));
    const base = {
      backbone: null,
      classCount: 10,
      imageHeight: 32,
      imageWidth: 32,
      channels: 3,
      parameterCount: 1000,
      testTop1: null,
      runId: null,
    };
    store.models.insert({ ...base, id: 'm1', name: 'first', source: 'import', path: '/models/a/model.json' });
    store.models.insert({
      ...base,
      id: 'm2',
      name: 'second',
      source: 'import',
      path: '/models/b/model.json',
    });
    expect(
      store.models
        .list()
        .map((model) => model.id)
        .sort(),
    ).toEqual(['m1', 'm2']);
    expect(() =>
      store.models.insert({ ...base, id: 'm3', name: 'bad', source: 'run', runId: 'missing', path: '/x' }),
    ).toThrow(/FOREIGN KEY/);
    store.close();
  });

  it('appends events in order, each with its time', () => {
    const store = openWorkbenchStore(mkdtempSync(join(tmpdir(), 'rtk-events-')));
    store.eventLog.append('run-status', 'r1', 'running');
    store.eventLog.append('run-status', 'r2', 'queued');
    store.eventLog.append('run-status', 'r1', 'failed: the disk is full');
    const rows = store.database.connection
      .prepare('SELECT at, kind, subject_id, message FROM event_log ORDER BY id')
      .all() as { at: string; kind: string; subject_id: string; message: string }[];
    expect(rows.map((row) => [row.kind, row.subject_id, row.message])).toEqual([
      ['run-status', 'r1', 'running'],
      ['run-status', 'r2', 'queued'],
      ['run-status', 'r1', 'failed: the disk is full'],
    ]);
    expect(rows.every((row) => !Number.isNaN(Date.parse(row.at)))).toBe(true);
    store.close();
  });
});

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
    expect(store.models.ofRun('none')).toBeUndefined();
    expect(() =>
      store.models.insert({ ...base, id: 'm3', name: 'bad', source: 'run', runId: 'missing', path: '/x' }),
    ).toThrow(/FOREIGN KEY/);
    store.close();
  });

  it('appends events and reads those of one subject in order', () => {
    const store = openWorkbenchStore(mkdtempSync(join(tmpdir(), 'rtk-events-')));
    store.eventLog.append('run-status', 'r1', 'running');
    store.eventLog.append('run-status', 'r2', 'queued');
    store.eventLog.append('run-status', 'r1', 'failed: the disk is full');
    expect(store.eventLog.ofSubject('r1').map((event) => [event.kind, event.message])).toEqual([
      ['run-status', 'running'],
      ['run-status', 'failed: the disk is full'],
    ]);
    store.close();
  });
});

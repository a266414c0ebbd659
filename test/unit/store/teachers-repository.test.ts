import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TeacherRecord } from '../../../src-shared/contracts/teacher-types.js';
import { openWorkbenchStore } from '../../../src-main/store/workbench-store.js';
import { fixtureManifest } from '../../support/stored-fixtures.js';

function record(id: string, datasetId: string, createdAt: string): TeacherRecord {
  return {
    id,
    name: `teacher ${id}`,
    format: 'onnx',
    sourcePath: `/models/${id}.onnx`,
    fingerprint: 'c'.repeat(64),
    datasetId,
    backbone: null,
    classes: 3,
    classNames: ['a', 'b', 'c'],
    classMatching: 'index',
    classOrder: [0, 1, 2],
    inputShape: [3, 32, 32],
    layout: 'NCHW',
    batchSize: null,
    opset: 13,
    contract: {
      preset: 'imagenet',
      scale: 1,
      mean: [0.485, 0.456, 0.406],
      std: [0.229, 0.224, 0.225],
      channelOrder: 'RGB',
    },
    taps: [
      { index: 0, name: 'Relu after Add', tensor: 'relu_1', layout: 'NCHW', shape: [8, 8, 64], stage: 0 },
    ],
    testTop1: 91.25,
    testTop5: 99.5,
    perClassTop1: [90, 92, 91.75],
    testImages: 300,
    warnings: [],
    notes: ['The graph ends in Softmax; its input is used as the logits, as distillation needs.'],
    measureSeconds: 1.5,
    createdAt,
  };
}

describe('the teachers repository', () => {
  it('stores a teacher record whole and lists teachers newest first, per dataset', () => {
    const store = openWorkbenchStore(mkdtempSync(join(tmpdir(), 'rtk-teachers-')));
    for (const id of ['d1', 'd2']) {
      store.datasets.insert({
        id,
        name: id,
        format: 'cifar10',
        imageHeight: 32,
        imageWidth: 32,
        channels: 3,
        classCount: 3,
        trainCount: 10,
        testCount: 10,
        fingerprint: id.repeat(32),
        cachePath: `/cache/${id}`,
        manifest: fixtureManifest(),
      });
    }
    const first = record('t1', 'd1', '2026-01-01T00:00:00.000Z');
    store.teachers.insert(first, '/home/teachers/t1');
    store.teachers.insert(record('t2', 'd2', '2026-01-02T00:00:00.000Z'), '/home/teachers/t2');
    expect(store.teachers.get('t1')).toEqual({ record: first, directory: '/home/teachers/t1' });
    expect(store.teachers.list().map((teacher) => teacher.record.id)).toEqual(['t2', 't1']);
    expect(store.teachers.list('d1').map((teacher) => teacher.record.id)).toEqual(['t1']);
    expect(store.teachers.get('missing')).toBeUndefined();
    expect(() => store.teachers.insert(record('t3', 'nope', 'now'), '/x')).toThrow(/FOREIGN KEY/);
    store.close();
  });
});

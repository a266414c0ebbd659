import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ExperimentDetails } from '../../src-shared/contracts/api.js';
import type { TeacherRecord } from '../../src-shared/contracts/teacher-types.js';
import type { ExperimentSpecInput } from '../../src-shared/domain/experiment-spec.js';
import { createExperiment } from '../../src-main/services/experiments-service.js';
import { homeLayout } from '../../src-main/store/home-layout.js';
import { openWorkbenchStore } from '../../src-main/store/workbench-store.js';
import type { WorkbenchStore } from '../../src-main/store/workbench-store.js';
import { currentCard } from './model-card-fixtures.js';
import { fixtureManifest } from './stored-fixtures.js';

/**
 * A workbench home filled through the real store and services, with real folders of known sizes, for the
 * deletion tests: datasets with cache folders, imported teachers, experiments with run folders, exports
 * inside and outside the home. Nothing is trained; runs are marked done where a test needs it.
 */
export interface HousekeepingHome {
  readonly root: string;
  readonly home: string;
  readonly outside: string;
  readonly store: WorkbenchStore;
}

/** A temporary folder holding a workbench home and, beside it, a folder outside the home. */
export function makeHousekeepingHome(): HousekeepingHome {
  const root = mkdtempSync(join(tmpdir(), 'rtk-housekeeping-'));
  const home = join(root, 'home');
  const outside = join(root, 'outside');
  mkdirSync(outside, { recursive: true });
  return { root, home, outside, store: openWorkbenchStore(home) };
}

/** Writes files of the given sizes (bytes) under `folder`, creating sub-folders as their paths say. */
export function writeFiles(folder: string, files: Readonly<Record<string, number>>): void {
  for (const [path, bytes] of Object.entries(files)) {
    const file = join(folder, path);
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(file, Buffer.alloc(bytes, 7));
  }
}

/** Records a 3-class 32×32 colour dataset whose cache folder holds 1,000 + 200 bytes; returns its id. */
export function addDataset(fixture: HousekeepingHome, name: string): string {
  const id = randomUUID();
  const cachePath = homeLayout(fixture.home).datasetFolder(id);
  writeFiles(cachePath, { 'pixels.bin': 1000, 'manifest.json': 200 });
  fixture.store.datasets.insert({
    id,
    name,
    format: 'cifar10',
    imageHeight: 32,
    imageWidth: 32,
    channels: 3,
    classCount: 3,
    trainCount: 10,
    testCount: 10,
    fingerprint: randomUUID(),
    cachePath,
    manifest: fixtureManifest({ classNames: ['a', 'b', 'c'] }),
  });
  return id;
}

/** Records an imported ONNX teacher of a dataset, its converted files in the home (300 bytes) and its source file outside. */
export function addTeacher(fixture: HousekeepingHome, datasetId: string, name: string): TeacherRecord {
  const id = randomUUID();
  const sourcePath = join(fixture.outside, `${id}.onnx`);
  writeFileSync(sourcePath, 'the user’s own teacher file');
  const directory = homeLayout(fixture.home).teacherFolder(id);
  writeFiles(directory, { 'teacher.onnx': 300 });
  const record: TeacherRecord = {
    id,
    name,
    format: 'onnx',
    sourcePath,
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
    contract: { preset: 'none', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], channelOrder: 'RGB' },
    taps: [{ index: 0, name: 'stage 1', tensor: 'relu_1', layout: 'NCHW', shape: [8, 8, 16], stage: 0 }],
    testTop1: 80,
    testTop5: 100,
    perClassTop1: [80, 80, 80],
    testImages: 10,
    warnings: [],
    notes: [],
    measureSeconds: 0.1,
    createdAt: new Date().toISOString(),
  };
  fixture.store.teachers.insert(record, directory);
  return record;
}

/**
 * Creates an experiment with the real service (resnet8 student, one seed, one epoch) and writes each of its
 * runs a folder of 500 bytes (a checkpoint and a model).
 */
export function addExperiment(
  fixture: HousekeepingHome,
  datasetId: string,
  name: string,
  teacher: ExperimentSpecInput['teacher'],
  methods: ExperimentSpecInput['methods'],
): ExperimentDetails {
  const details = createExperiment(fixture.store, {
    name,
    datasetId,
    teacher,
    student: { backbone: 'resnet8' },
    methods,
    seeds: [1],
    schedule: { epochs: 1 },
  });
  for (const run of details.runs) {
    writeFiles(homeLayout(fixture.home).runFolder(run.id), {
      'checkpoint/weights.bin': 400,
      'model/model.json': 100,
    });
  }
  return details;
}

/** Marks runs done, as training them would. */
export function finishRuns(fixture: HousekeepingHome, runIds: readonly string[]): void {
  for (const id of runIds) fixture.store.runs.setStatus(id, 'done');
}

/** Writes an export folder as the workbench does: an ONNX model (250 bytes), model-card.json and MODEL_CARD.md. */
export function writeExportFolder(directory: string): void {
  writeFiles(directory, { 'model.onnx': 250, 'MODEL_CARD.md': 50 });
  writeFileSync(
    join(directory, 'model-card.json'),
    JSON.stringify({
      workbenchVersion: '0.1.0',
      format: 'onnx',
      training: { runId: null },
      files: [{ path: 'model.onnx', bytes: 250 }],
    }),
  );
}

/** Records an export of a run whose folder is `directory` (written as the workbench writes one); returns its id. */
export function addExport(fixture: HousekeepingHome, runId: string, directory: string): string {
  writeExportFolder(directory);
  const id = randomUUID();
  fixture.store.exports.insert({
    id,
    name: directory.split(/[\\/]/).at(-1) ?? 'export',
    runId,
    format: 'onnx',
    precision: 'float32',
    directory,
    createdAt: new Date().toISOString(),
    card: currentCard(),
  });
  return id;
}

/** How many rows a table holds. */
export function countRows(store: WorkbenchStore, table: string): number {
  return (
    store.database.connection.prepare(`SELECT COUNT(*) AS count FROM ${table}`).get() as { count: number }
  ).count;
}

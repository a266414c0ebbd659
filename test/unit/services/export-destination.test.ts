import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkExportDestination } from '../../../src-main/services/export-destination.js';
import { openWorkbenchStore } from '../../../src-main/store/workbench-store.js';
import type { WorkbenchStore } from '../../../src-main/store/workbench-store.js';
import { currentCard, earlierCardJson } from '../../support/model-card-fixtures.js';
import { fixtureManifest } from '../../support/stored-fixtures.js';

let root = '';
let home = '';
let sourceFolder = '';
let store: WorkbenchStore;

function seed(): void {
  store.datasets.insert({
    id: 'd1',
    name: 'My pictures',
    format: 'folder',
    imageHeight: 32,
    imageWidth: 32,
    channels: 3,
    classCount: 2,
    trainCount: 10,
    testCount: 4,
    fingerprint: 'f1',
    cachePath: join(home, 'datasets', 'd1'),
    manifest: fixtureManifest({ sources: [sourceFolder] }),
  });
  store.database.connection.exec(`
    INSERT INTO experiments (id, name, dataset_id, spec_json, status, created_at, updated_at)
      VALUES ('e', 'n', 'd1', '{}', 'done', 'a', 'a');
    INSERT INTO runs (id, experiment_id, role, method, backbone, seed, status, queue_position, config_json,
      epochs_total, created_at, updated_at) VALUES ('r', 'e', 'student', 'rtk', 'resnet8', 1, 'done', 1, '{}', 3, 'a', 'a');`);
}

function check(outDirectory: string, force = false, neededBytes = 1_000) {
  return () => checkExportDestination({ store, homeDirectory: home, outDirectory, force, neededBytes });
}

function ourCard(folder: string): void {
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'model-card.json'), earlierCardJson);
  writeFileSync(join(folder, 'model.onnx'), 'old model');
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'rtk-destination-'));
  home = join(root, 'home');
  sourceFolder = join(root, 'pictures');
  mkdirSync(join(sourceFolder, 'cats'), { recursive: true });
  writeFileSync(join(sourceFolder, 'cats', 'a.png'), 'png');
  store = openWorkbenchStore(home);
  seed();
});

afterEach(() => {
  store.close();
  rmSync(root, { recursive: true, force: true });
});

describe('the destination of an export', () => {
  it('is never the workbench home, inside it, or around it, with or without force', () => {
    for (const force of [false, true]) {
      expect(check(home, force)).toThrow(/it is the workbench home or inside it\. Nothing was written\.$/);
      expect(check(join(home, 'exports'), force)).toThrow(/it is the workbench home or inside it/);
      expect(check(join(home, 'datasets', 'd1'), force)).toThrow(/it is the workbench home or inside it/);
      expect(check(root, force)).toThrow(/it contains the workbench home/);
    }
    expect(readdirSync(home)).toContain('workbench.sqlite');
  });

  it('sees through a symbolic link that leads into the home', () => {
    const link = join(root, 'innocent-looking');
    symlinkSync(home, link);
    expect(check(join(link, 'exports'), true)).toThrow(/it is the workbench home or inside it/);
  });

  it("is never a dataset's source folder, inside it or around it", () => {
    expect(check(sourceFolder, true)).toThrow(/it is the source files of dataset "My pictures" or inside it/);
    expect(check(join(sourceFolder, 'cats', 'export'))).toThrow(/source files of dataset "My pictures"/);
    expect(readdirSync(join(sourceFolder, 'cats'))).toEqual(['a.png']);
  });

  it('replaces with force only a folder that holds a previous export of ours', () => {
    const foreign = join(root, 'documents');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'thesis.tex'), 'precious');
    expect(check(foreign)).toThrow(/is not empty; choose an empty or new folder/);
    expect(check(foreign, true)).toThrow(/holds files that are not an RTK Workbench export/);
    expect(readdirSync(foreign)).toEqual(['thesis.tex']);

    const previous = join(root, 'previous-export');
    ourCard(previous);
    expect(check(previous)).toThrow(/is not empty/);
    expect(check(previous, true)()).toEqual({ directory: previous, replacedExportIds: [] });
  });

  it('names the earlier export on record that a forced export replaces, and refuses one inside it', () => {
    const previous = join(root, 'edge', 'student');
    ourCard(previous);
    store.exports.insert({
      id: 'x1',
      name: 'student',
      runId: 'r',
      format: 'onnx',
      precision: 'float32',
      directory: previous,
      createdAt: 'now',
      card: currentCard(),
    });
    expect(check(previous, true)()).toEqual({ directory: previous, replacedExportIds: ['x1'] });
    expect(check(join(previous, 'again'))).toThrow(/inside, or contains, the earlier export x1/);
    expect(check(join(root, 'edge'), true)).toThrow(/inside, or contains, the earlier export x1/);
  });

  it('accepts a new or empty folder elsewhere', () => {
    expect(check(join(root, 'new', 'deeper'))()).toMatchObject({ replacedExportIds: [] });
    mkdirSync(join(root, 'empty'));
    expect(check(join(root, 'empty'))()).toMatchObject({ replacedExportIds: [] });
  });

  it('refuses, before any work, a place that cannot be written, a mount point, and a disk without room', () => {
    expect(check('/proc/rtk-export')).toThrow(/\/proc cannot be written to \(E[A-Z]+\)/);
    expect(check('/proc', true)).toThrow(/is a mount point, which an export cannot replace/);
    expect(check(join(root, 'big'), false, 1e18)).toThrow(
      new RegExp(
        `^The export needs about [0-9]+ MB, but only [0-9.]+ MB is free on ${root}\\. Nothing was written\\.$`,
      ),
    );
  });
});

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { deletionStagingPrefix, homeFolderNames, homeLayout } from '../../../src-main/store/home-layout.js';
import { openWorkbenchStore } from '../../../src-main/store/workbench-store.js';

const home = join(tmpdir(), 'a-workbench-home');

describe('the workbench home layout', () => {
  // Homes written by earlier versions hold exactly these names; the layout must keep finding them.
  it('names the store and the folders exactly as existing homes have them', () => {
    const layout = homeLayout(home);
    expect(layout.home).toBe(home);
    expect(layout.databaseFile).toBe(join(home, 'workbench.sqlite'));
    expect(layout.datasetFolder('d1')).toBe(join(home, 'datasets', 'd1'));
    expect(layout.teacherFolder('t1')).toBe(join(home, 'teachers', 't1'));
    expect(layout.runFolder('r1')).toBe(join(home, 'runs', 'r1'));
    expect(layout.runCheckpointFolder('r1')).toBe(join(home, 'runs', 'r1', 'checkpoint'));
    expect(layout.runModelFolder('r1')).toBe(join(home, 'runs', 'r1', 'model'));
    expect(layout.exportsFolder).toBe(join(home, 'exports'));
    expect(deletionStagingPrefix).toBe('.deleting-');
  });

  it('gives each kind of thing its own folder, and lists all of them', () => {
    const layout = homeLayout(home);
    expect(layout.kindFolder('dataset')).toBe(join(home, 'datasets'));
    expect(layout.kindFolder('teacher')).toBe(join(home, 'teachers'));
    expect(layout.kindFolder('run')).toBe(join(home, 'runs'));
    expect(layout.kindFolder('export')).toBe(join(home, 'exports'));
    expect([...layout.kindFolders].sort()).toEqual(
      ['datasets', 'exports', 'runs', 'teachers'].map((name) => join(home, name)),
    );
    expect(homeFolderNames).toEqual({
      dataset: 'datasets',
      run: 'runs',
      teacher: 'teachers',
      export: 'exports',
    });
  });

  it('puts a thing inside its kind folder, so deletion finds it there', () => {
    const layout = homeLayout(home);
    expect(join(layout.datasetFolder('x'), '..')).toBe(layout.kindFolder('dataset'));
    expect(join(layout.teacherFolder('x'), '..')).toBe(layout.kindFolder('teacher'));
    expect(join(layout.runFolder('x'), '..')).toBe(layout.kindFolder('run'));
    expect(join(layout.runModelFolder('x'), '..')).toBe(layout.runFolder('x'));
    expect(join(layout.runCheckpointFolder('x'), '..')).toBe(layout.runFolder('x'));
  });
});

describe('the store of a home', () => {
  let folder = '';

  afterEach(() => {
    if (folder !== '') rmSync(folder, { recursive: true, force: true });
    folder = '';
  });

  it('is the workbench.sqlite file the layout names', () => {
    folder = mkdtempSync(join(tmpdir(), 'rtk-home-layout-'));
    const store = openWorkbenchStore(folder);
    try {
      expect(existsSync(join(folder, 'workbench.sqlite'))).toBe(true);
      expect(existsSync(homeLayout(folder).databaseFile)).toBe(true);
    } finally {
      store.close();
    }
  });
});

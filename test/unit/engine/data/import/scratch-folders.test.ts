import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  removeAbandonedScratch,
  scratchFolder,
} from '../../../../../src-main/engine/data/import/scratch-folders.js';
import { listAll, temporaryFolder } from '../../../../fixtures/datasets/temp.js';

let folder: { path: string; remove: () => void };
beforeEach(() => (folder = temporaryFolder('scratch')));
afterEach(() => folder.remove());

describe('temporary folders of imports', () => {
  it('removes those whose process is gone and keeps those of live processes and everything else', async () => {
    // A process that has exited: its pid names a folder nobody will clean up.
    const exited = spawnSync(process.execPath, ['-e', '0']).pid;
    const abandoned = `.dataset-1.unpacking-${exited}-0f8fad5b-d9cb-469f-a165-70867728950e`;
    const mine = path.basename(scratchFolder(path.join(folder.path, 'dataset-2'), 'importing'));
    const parent = `.dataset-3.importing-${process.ppid}-7c9e6679-7425-40de-944b-e07fc1f90ae7`;
    for (const name of [abandoned, mine, parent, 'dataset-4', '.unrelated']) {
      mkdirSync(path.join(folder.path, name));
    }
    await removeAbandonedScratch(folder.path);
    expect(listAll(folder.path)).toEqual([parent, '.unrelated', mine, 'dataset-4'].sort());
  });
});

import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeletionOutcome } from '../../../src-shared/contracts/deletion-types.js';
import { openWorkbenchStore } from '../../../src-main/store/workbench-store.js';
import {
  addDataset,
  addExperiment,
  addExport,
  addTeacher,
  finishRuns,
  makeHousekeepingHome,
} from '../../support/housekeeping-home.js';
import type { HousekeepingHome } from '../../support/housekeeping-home.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const entry = join(root, 'src-main/cli/main.ts');

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

let fixture: HousekeepingHome;
let datasetId = '';
let teacherId = '';
let experimentId = '';
let kdRunId = '';
let exportId = '';
let outsideExport = '';

/** Runs the real CLI on the fixture's home with stdin not a terminal (a pipe that is closed at once). */
function cli(...argumentList: string[]): CliResult {
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', entry, ...argumentList, '--home', fixture.home],
    { cwd: root, encoding: 'utf8', timeout: 120_000, input: '' },
  );
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function quoted(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Runs the real CLI on a pseudo-terminal (util-linux `script`), typing `answer` at its question. */
function cliOnTerminal(answer: string, ...argumentList: string[]): CliResult {
  const command = [process.execPath, '--import', 'tsx', entry, ...argumentList, '--home', fixture.home]
    .map(quoted)
    .join(' ');
  const result = spawnSync('script', ['--quiet', '--return', '--command', command, '/dev/null'], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    input: `${answer}\n`,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function storeFacts() {
  const store = openWorkbenchStore(fixture.home);
  try {
    return {
      datasets: store.datasets.list().map((dataset) => dataset.name),
      experiments: store.experiments.list().map((experiment) => experiment.name),
      teachers: store.teachers.list().map((teacher) => teacher.record.name),
      exports: store.exports.list().map((exported) => exported.name),
    };
  } finally {
    store.close();
  }
}

beforeAll(() => {
  fixture = makeHousekeepingHome();
  datasetId = addDataset(fixture, 'Flowers');
  teacherId = addTeacher(fixture, datasetId, 'My ResNet').id;
  const experiment = addExperiment(
    fixture,
    datasetId,
    'First try',
    { source: 'train', backbone: 'resnet8' },
    ['kd'],
  );
  experimentId = experiment.experiment.id;
  finishRuns(
    fixture,
    experiment.runs.map((run) => run.id),
  );
  kdRunId = experiment.runs.find((run) => run.method === 'kd')?.id ?? '';
  addExport(fixture, kdRunId, join(fixture.home, 'exports', 'first-try-kd'));
  outsideExport = join(fixture.outside, 'for-the-phone');
  exportId = addExport(fixture, kdRunId, outsideExport);
  addExperiment(fixture, datasetId, 'With my teacher', { source: 'imported', teacherId }, ['kd']);
  fixture.store.close();
});

afterAll(() => {
  rmSync(fixture.root, { recursive: true, force: true });
});

describe('the delete and rename commands', () => {
  it('renames, trimming the name, and refuses a blank one as a usage error', () => {
    const renamed = cli('dataset', 'rename', datasetId.slice(0, 8), '  Flowers 102  ');
    expect(renamed.stderr).toBe('');
    expect(renamed.stdout).toBe(`Renamed dataset ${datasetId.slice(0, 8)} to "Flowers 102".\n`);
    const blank = cli('experiment', 'rename', experimentId, '   ');
    expect(blank.code).toBe(2);
    expect(blank.stderr).toMatch(/experiment rename: NAME: a name cannot be empty or blank\./);
    expect(cli('export', 'rename', exportId, 'Phone build', '--json').stdout).toMatch(
      /"name": "Phone build"/,
    );
    expect(storeFacts()).toMatchObject({
      datasets: ['Flowers 102'],
      exports: ['Phone build', 'first-try-kd'],
    });
  });

  it('refuses, without a terminal and without --yes, after showing what would go; exit 2, nothing deleted', () => {
    const result = cli('experiment', 'delete', experimentId);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Deleting experiment "First try"');
    expect(result.stderr).toMatch(/also deletes 3 runs and 2 exports:\n {4}runs: .*"KD resnet8 seed 1"/);
    expect(result.stderr).toContain(join(fixture.home, 'runs', kdRunId));
    expect(result.stderr).toMatch(
      /1 export folder of ours outside the workbench home stays unless you add --with-export-folders/,
    );
    expect(result.stderr).toMatch(/Nothing was deleted: there is no terminal to confirm on\. Add --yes/);
    expect(storeFacts().experiments).toContain('First try');
  });

  it('refuses a dataset that experiments and a teacher use, with the list, unless they go too', () => {
    const refused = cli('dataset', 'delete', datasetId, '--yes');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/These depend on it, so it goes only with them \(add --with-dependents\)/);
    expect(refused.stderr).toContain(`experiment "With my teacher" (`);
    expect(refused.stderr).toContain(`imported teacher "My ResNet" (${teacherId})`);
    expect(refused.stderr).toMatch(/add --with-dependents to delete them with it\. Nothing was deleted\./);
    expect(storeFacts().datasets).toEqual(['Flowers 102']);
  });

  it('asks on a terminal: no keeps everything, yes deletes', () => {
    const declined = cliOnTerminal('n', 'export', 'delete', exportId);
    expect(declined.code).toBe(1);
    expect(declined.stdout).toMatch(/Delete export "Phone build" and everything listed above\? \[y\/N\]/);
    expect(declined.stdout).toContain('Nothing was deleted.');
    expect(existsSync(join(outsideExport, 'model.onnx'))).toBe(true);

    const accepted = cliOnTerminal('y', 'export', 'delete', exportId);
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toMatch(/Deleted export "Phone build"\.\s+Removed 1 folder/);
    expect(existsSync(outsideExport)).toBe(false);
    expect(readdirSync(fixture.outside).sort()).toEqual([`${teacherId}.onnx`]);
  });

  it('deletes a dataset with everything on it and prints what went as JSON', () => {
    const result = cli('dataset', 'delete', datasetId, '--with-dependents', '--yes', '--json');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const outcome = JSON.parse(result.stdout) as DeletionOutcome;
    expect(outcome.deleted[0]).toEqual({ kind: 'dataset', id: datasetId, name: 'Flowers 102' });
    expect(outcome.deleted.filter((deleted) => deleted.kind === 'experiment')).toHaveLength(2);
    expect(outcome.keptFolders).toEqual([]);
    expect(storeFacts()).toEqual({ datasets: [], experiments: [], teachers: [], exports: [] });
    for (const folder of ['datasets', 'runs', 'teachers', 'exports']) {
      expect(readdirSync(join(fixture.home, folder)), folder).toEqual([]);
    }
    expect(existsSync(join(fixture.outside, `${teacherId}.onnx`))).toBe(true);
  });
});

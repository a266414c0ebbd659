import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentResults, RunSummary } from '../../../src-shared/contracts/run-types.js';
import type { BackboneDescription } from '../../../src-shared/domain/backbone-catalog.js';
import { recommendationBasis } from '../../../src-shared/domain/vocabulary.js';
import { writeCifar10 } from '../../fixtures/datasets/cifar.js';
import { openWorkbenchStore } from '../../../src-main/store/workbench-store.js';
import { addDemoDataset } from '../../support/demo-dataset.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const entry = join(root, 'src-main/cli/main.ts');
let home = '';
let datasetId = '';

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the real CLI (from its TypeScript source, through tsx) on the test's workbench home. */
function cli(...argumentList: string[]): CliResult {
  const result = spawnSync(process.execPath, ['--import', 'tsx', entry, ...argumentList, '--home', home], {
    cwd: root,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, RTK_BACKEND: '' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts the CLI and sends it Ctrl+C (SIGINT) once its stderr matches `when`. */
function cliInterruptedWhen(when: RegExp, ...argumentList: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', entry, ...argumentList, '--home', home], {
      cwd: root,
      env: { ...process.env, RTK_BACKEND: '' },
    });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      if (!interrupted && when.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function writeSpec(name: string, spec: unknown): string {
  const file = join(home, name);
  writeFileSync(file, JSON.stringify(spec));
  return file;
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rtk-cli-'));
  const store = openWorkbenchStore(home);
  try {
    datasetId = (await addDemoDataset(store, home, { trainCount: 100, testCount: 50, seed: 5 })).dataset.id;
  } finally {
    store.close();
  }
});

afterAll(() => {
  rmSync(home, { recursive: true, force: true });
});

describe('the rtk-workbench command line', () => {
  it('answers --help with exit 0 and --version with the package version, as a real process', () => {
    const help = cli('train', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: rtk-workbench train SPEC\.json /);
    const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const version = cli('--version');
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe(manifest.version);
  });

  it('models --json lists the catalog with resnet20 at 272,474 parameters for 10 classes', () => {
    const result = cli('models', '--json');
    expect(result.code).toBe(0);
    const models = JSON.parse(result.stdout) as BackboneDescription[];
    expect(models.find((model) => model.name === 'resnet20')?.parameterCount).toBe(272_474);
    expect(models.find((model) => model.name === 'resnet20')?.taps).toHaveLength(9);
    expect(models.map((model) => model.name)).toContain('wrn-40-2');
  });

  it('refuses an invalid spec, listing every problem with its JSON path, and creates nothing', () => {
    const file = writeSpec('invalid.json', {
      name: 'Broken',
      datasetId,
      teacher: { source: 'train', backbone: 'resnet9' },
      student: { backbone: 'resnet8' },
      methods: ['kd', 'magic'],
      schedule: { epochs: 0 },
      seeds: [1],
    });
    const result = cli('train', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${file} is not a valid experiment spec (4 problems):`);
    expect(result.stderr).toContain('  - $.teacher.backbone: ');
    expect(result.stderr).toContain('  - $.methods.1: ');
    expect(result.stderr).toContain('  - $.schedule.epochs: ');
    expect(result.stderr).toContain(
      '  - $.schedule.warmupEpochs: warm-up must be shorter than the whole run',
    );
    expect(result.stdout).toBe('');
    expect(JSON.parse(cli('runs', '--json').stdout)).toEqual([]);
  });

  it('names an unknown dataset', () => {
    const file = writeSpec('unknown-dataset.json', {
      name: 'Nowhere',
      datasetId: 'no-such-dataset',
      teacher: { source: 'train', backbone: 'resnet8' },
      student: { backbone: 'resnet8' },
      methods: ['kd'],
      schedule: { epochs: 1 },
      seeds: [1],
    });
    const result = cli('train', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('$.datasetId: there is no dataset "no-such-dataset" in this workbench');
  });

  it('trains a tiny experiment to the end, prints its results, and gives them as CSV', () => {
    const file = writeSpec('tiny.json', {
      name: 'Tiny',
      preset: 'quick',
      datasetId,
      teacher: { source: 'train', backbone: 'resnet8' },
      student: { backbone: 'resnet8' },
      methods: ['kd'],
      schedule: { epochs: 1, batchSize: 50, learningRateSchedule: { kind: 'constant' } },
      seeds: [1],
    });
    const result = cli('train', file);
    expect(result.stderr).toMatch(
      /Experiment "Tiny" \(([0-9a-f-]{36})\): 3 runs queued \(a teacher and 2 students\)/,
    );
    expect(result.stderr).toMatch(/teacher resnet8 seed 1: epoch 1\/1 done in .*test top-1 \d+\.\d\d%/);
    expect(result.stderr).toMatch(/KD resnet8 seed 1: done, best test top-1 \d+\.\d\d%/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Teacher: resnet8, best top-1 \d+\.\d\d%/);
    expect(result.stdout).toMatch(/\nKD\s+1\/1\s+\d+\.\d\d ± 0\.00\s+\d+\.\d\d ± 0\.00\s+[+−]\d+\.\d\d pp/);
    expect(result.stdout).toMatch(/\nStudent alone\s+1\/1\s+\d+\.\d\d ± 0\.00/);
    // Footnotes say what each figure means and which test images it uses: the Quick preset's limit of them.
    expect(result.stdout).toMatch(
      /\nWhat the figures mean:\n {2}Teacher test top-1: .*trained in this workbench/,
    );
    expect(result.stdout).toMatch(/\n {2}Best test top-1: .*images: (all \d+|\d+ of the [\d,]+) test images/);

    const experimentId = /Experiment "Tiny" \(([0-9a-f-]{36})\)/.exec(result.stderr)?.[1] ?? '';
    const csv = cli('results', experimentId.slice(0, 8), '--csv');
    expect(csv.code).toBe(0);
    const rows = csv.stdout.trimEnd().split('\r\n');
    expect(rows[0]).toMatch(/^experiment_id,method,method_name,network,/);
    expect(rows.slice(1).map((row) => row.split(',').slice(1, 4))).toEqual([
      ['teacher', 'Teacher', 'resnet8'],
      ['none', 'Student alone', 'resnet8'],
      ['kd', 'KD', 'resnet8'],
    ]);
    const kd = rows[3]?.split(',') ?? [];
    // Finished and total runs, then resnet8's catalog parameters and float32 bytes for 10 classes of 32×32×3.
    expect([kd[5], kd[6], kd[13], kd[14], kd[15]]).toEqual(['1', '1', '78042', '314856', '']);
  });

  it('results carry the recommendation: the finished student with the best final-epoch test top-1', () => {
    const runs = JSON.parse(cli('runs', '--json').stdout) as RunSummary[];
    const students = runs.filter((run) => run.role === 'student' && run.status === 'done');
    const experimentId = students[0]?.experimentId ?? '';
    const json = cli('results', experimentId, '--json');
    expect(json.code).toBe(0);
    const results = JSON.parse(json.stdout) as ExperimentResults;
    const top = Math.max(...students.map((run) => run.lastTestTop1 ?? 0));
    const recommended = students.find((run) => run.id === results.recommendation?.runId);
    expect(recommended?.lastTestTop1).toBe(top);
    const text = cli('results', experimentId);
    expect(text.stdout).toContain(results.recommendation?.summary ?? 'no recommendation');
    expect(text.stdout).toContain(recommendationBasis);
  });

  it('refuses to export into the workbench home or its exports folder, even with --force, and keeps it whole', () => {
    const best = (JSON.parse(cli('runs', '--json').stdout) as RunSummary[]).find(
      (run) => run.role === 'student' && run.status === 'done',
    );
    if (best === undefined) throw new Error('no finished student');
    const before = readdirSync(home).sort();
    for (const out of [home, join(home, 'exports')]) {
      const result = cli('export', best.id, '--format', 'onnx', '--out', out, '--force');
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(`Cannot export to ${out}: it is the workbench home or inside it.`);
    }
    expect(readdirSync(home).sort()).toEqual(before);
    expect(JSON.parse(cli('datasets', '--json').stdout)).toHaveLength(1);
  });

  it('lists the runs and refuses to resume a finished one, changing nothing', () => {
    expect(cli('runs').stdout).toMatch(/\n {2}Test images per experiment:\n {4}Tiny: /);
    const listed = cli('runs', '--json');
    expect(listed.code).toBe(0);
    const runs = JSON.parse(listed.stdout) as RunSummary[];
    expect(runs).toHaveLength(3);
    expect(runs.every((run) => run.status === 'done')).toBe(true);
    const done = runs[0];
    const refused = cli('resume', done?.id ?? '');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      `Run ${done?.id ?? ''} is done; only a paused, interrupted or failed run`,
    );
    expect(refused.stderr).toContain('Nothing was changed.');
    const after = JSON.parse(cli('runs', '--json').stdout) as RunSummary[];
    expect(after).toEqual(runs);
    const unknown = cli('resume', 'ffffffff');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('There is no run ffffffff in this workbench.');
  });

  it('imports a dataset with progress on stderr, and says so when identical content is imported again', () => {
    const fixture = writeCifar10(join(home, 'sources'), { perBatch: 10, batches: 5, testCount: 20 });
    const first = cli('import', fixture.folder, '--name', 'Tiny CIFAR');
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/reading: \d+\/\d+ images/);
    expect(first.stdout.split('\n').slice(0, 3)).toEqual([
      expect.stringMatching(/^Dataset Tiny CIFAR \([0-9a-f-]{36}\)$/),
      '  format cifar10, 32x32x3, 10 classes',
      '  50 training images, 20 test images',
    ]);
    const again = cli('import', fixture.folder, '--format', 'cifar10', '--json');
    expect(again.code).toBe(0);
    const outcome = JSON.parse(again.stdout) as { alreadyImported: boolean; dataset: { name: string } };
    expect(outcome.alreadyImported).toBe(true);
    expect(outcome.dataset.name).toBe('Tiny CIFAR');
    const refused = cli('import', fixture.folder, '--channels', '2');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--channels must be one of 1, 3, not "2".');
  });

  it('lists the datasets and shows one with its health report', () => {
    const listed = cli('datasets', '--json');
    expect(JSON.parse(listed.stdout)).toEqual(
      expect.arrayContaining([expect.objectContaining({ id: datasetId, classCount: 10 })]),
    );
    const shown = cli('dataset', 'show', datasetId.slice(0, 8));
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain(`Demo shapes (${datasetId})`);
    expect(shown.stdout).toMatch(/checkerboard\s+10\s+5/);
    expect(shown.stdout).toContain('class balance: largest/smallest class 1.00');
  });

  it('pauses cleanly on Ctrl+C and resumes the whole experiment to the end', async () => {
    const file = writeSpec('interrupted.json', {
      name: 'Interrupted',
      datasetId,
      teacher: { source: 'train', backbone: 'resnet8', epochs: 2 },
      student: { backbone: 'resnet8' },
      methods: ['kd'],
      schedule: { epochs: 1, batchSize: 10, learningRateSchedule: { kind: 'constant' } },
      seeds: [1],
    });
    const interrupted = await cliInterruptedWhen(/teacher resnet8 seed 1: epoch 1\/2 done/, 'train', file);
    expect(interrupted.stderr).toContain('Pausing: the running run stops after its current batch');
    expect(interrupted.stderr).toContain('Paused. Continue later with:');
    expect(interrupted.code).toBe(130);
    const experimentId = /Experiment "Interrupted" \(([0-9a-f-]{36})\)/.exec(interrupted.stderr)?.[1] ?? '';
    const paused = (JSON.parse(cli('runs', '--json').stdout) as RunSummary[]).filter(
      (run) => run.experimentId === experimentId,
    );
    expect(paused.map((run) => run.status)).toEqual(['paused', 'paused', 'paused']);
    expect(paused.find((run) => run.role === 'teacher')?.epochsDone).toBeGreaterThanOrEqual(1);

    const resumed = cli('resume', experimentId.slice(0, 8));
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/teacher resnet8 seed 1: done/);
    const finished = (JSON.parse(cli('runs', '--json').stdout) as RunSummary[]).filter(
      (run) => run.experimentId === experimentId,
    );
    expect(finished.map((run) => run.status)).toEqual(['done', 'done', 'done']);
    expect(finished.find((run) => run.role === 'teacher')?.epochsDone).toBe(2);
  });
});

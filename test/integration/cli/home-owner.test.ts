import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWorkbenchStore } from '../../../src-main/store/workbench-store.js';
import { addDemoDataset } from '../../support/demo-dataset.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const entry = join(root, 'src-main/cli/main.ts');
let home = '';
let datasetId = '';
const children: ChildProcessWithoutNullStreams[] = [];

interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A CLI process on the test's home, whose output is collected as it comes. */
interface LiveCli {
  readonly child: ChildProcessWithoutNullStreams;
  readonly output: { stdout: string; stderr: string };
  /** Resolves once stdout or stderr matches. */
  saying(pattern: RegExp): Promise<void>;
  ended(): Promise<CliResult>;
}

function start(...argumentList: string[]): LiveCli {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...argumentList, '--home', home], {
    cwd: root,
    env: { ...process.env, RTK_BACKEND: 'wasm' },
  });
  children.push(child);
  const output = { stdout: '', stderr: '' };
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const check = () => {
    for (const waiter of waiters.splice(0)) {
      if (waiter.pattern.test(output.stdout) || waiter.pattern.test(output.stderr)) waiter.resolve();
      else waiters.push(waiter);
    }
  };
  child.stdout.on('data', (chunk: Buffer) => {
    output.stdout += chunk.toString('utf8');
    check();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString('utf8');
    check();
  });
  const closed = new Promise<CliResult>((resolve) =>
    child.on('close', (code) => resolve({ code, ...output })),
  );
  return {
    child,
    output,
    saying: (pattern) =>
      new Promise<void>((resolve, reject) => {
        waiters.push({ pattern, resolve });
        check();
        void closed.then((result) =>
          reject(
            new Error(
              `the CLI ended (${String(result.code)}) before saying ${String(pattern)}:\n${result.stderr}`,
            ),
          ),
        );
      }),
    ended: () => closed,
  };
}

function cli(...argumentList: string[]): CliResult {
  const result = spawnSync(process.execPath, ['--import', 'tsx', entry, ...argumentList, '--home', home], {
    cwd: root,
    encoding: 'utf8',
    timeout: 300_000,
    env: { ...process.env, RTK_BACKEND: 'wasm' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function writeSpec(name: string, epochs: number): string {
  const file = join(home, `${name}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      name,
      datasetId,
      teacher: { source: 'train', backbone: 'resnet8' },
      student: { backbone: 'resnet8' },
      methods: ['kd'],
      schedule: { epochs, batchSize: 50, learningRateSchedule: { kind: 'constant' } },
      seeds: [1],
    }),
  );
  return file;
}

function runsOf(experimentName: string) {
  const store = openWorkbenchStore(home);
  try {
    const experiment = store.experiments.list().find((candidate) => candidate.name === experimentName);
    return experiment === undefined ? [] : store.runs.listOfExperiment(experiment.id);
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'rtk-owner-cli-'));
  const store = openWorkbenchStore(home);
  try {
    datasetId = (await addDemoDataset(store, home, { trainCount: 100, testCount: 50, seed: 5 })).dataset.id;
  } finally {
    store.close();
  }
});

afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 200));
  rmSync(home, { recursive: true, force: true });
});

describe('one process owns a workbench home', () => {
  let server: LiveCli;

  it('refuses a second lab server on the same home, naming the one that owns it', async () => {
    server = start('serve', '--port', '0');
    await server.saying(/lab mode: http:\/\/127\.0\.0\.1:\d+\//);
    const second = cli('serve', '--port', '0');
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(
        `is in use by rtk-workbench serve at http://127\\.0\\.0\\.1:\\d+/ \\(process ${server.child.pid ?? 0}, since `,
      ),
    );
  });

  it('hands a train command to the lab server that owns the home, which trains it', () => {
    const result = cli('train', writeSpec('Handed over', 1));
    expect(result.stderr).toContain('The workbench home is in use by rtk-workbench serve at');
    expect(result.stderr).toMatch(/KD resnet8 seed 1: done, best test top-1/);
    expect(result.code).toBe(0);
    expect(runsOf('Handed over').map((run) => run.status)).toEqual(['done', 'done', 'done']);
    const store = openWorkbenchStore(home);
    try {
      expect(store.owner.current()?.pid).toBe(server.child.pid);
    } finally {
      store.close();
    }
  });

  it('takes the home over when the owner is killed mid-run, and resumes what it left behind', async () => {
    const follower = start('train', writeSpec('Taken over', 3));
    await follower.saying(/teacher resnet8 seed 1: epoch 1\/3 done/);
    server.child.kill('SIGKILL');
    const result = await follower.ended();
    expect(result.stderr).toMatch(
      /The process that owned the workbench home ended; resuming teacher resnet8 seed 1 from epoch \d/,
    );
    expect(result.code).toBe(0);
    expect(runsOf('Taken over').map((run) => run.status)).toEqual(['done', 'done', 'done']);
  });

  it('gives the home up when the lab server stops cleanly', async () => {
    const holder = start('serve', '--port', '0');
    await holder.saying(/lab mode:/);
    holder.child.kill('SIGTERM');
    expect((await holder.ended()).code).toBe(0);
    const store = openWorkbenchStore(home);
    try {
      expect(store.owner.current()).toBeUndefined();
    } finally {
      store.close();
    }
  });
});

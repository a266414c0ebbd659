import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import {
  describeOwner,
  HomeOwnership,
  isOwnerAlive,
  processStartOf,
} from '../../../src-main/services/home-ownership.js';
import type { HomeOwner } from '../../../src-main/store/repositories/home-owner-repository.js';
import { openWorkbenchStore } from '../../../src-main/store/workbench-store.js';
import type { WorkbenchStore } from '../../../src-main/store/workbench-store.js';

const claimer = fileURLToPath(new URL('../../fixtures/processes/claim-home.ts', import.meta.url));
const opened: WorkbenchStore[] = [];
const children: ChildProcess[] = [];
const homes: string[] = [];

function newHome(): string {
  const home = mkdtempSync(join(tmpdir(), 'rtk-owner-'));
  homes.push(home);
  return home;
}

function open(home: string): WorkbenchStore {
  const store = openWorkbenchStore(home);
  opened.push(store);
  return store;
}

/** Starts a separate process that claims `home` and holds it; resolves once it has claimed. */
function ownerProcess(home: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', claimer, home], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('claimed')) resolve(child);
      else reject(new Error(`the owner process said: ${chunk.toString()}`));
    });
    child.on('error', reject);
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

function seedRunningRun(store: WorkbenchStore): void {
  store.database.connection.exec(`
    INSERT INTO datasets (id, name, format, fingerprint, image_height, image_width, channels, class_count, train_count,
      test_count, cache_path, manifest_json, created_at) VALUES ('d', 'n', 'idx', 'f', 28, 28, 1, 10, 1, 1, 'p', '{}', 'now');
    INSERT INTO experiments (id, name, dataset_id, spec_json, status, created_at, updated_at)
      VALUES ('e', 'n', 'd', '{}', 'running', 'a', 'a');
    INSERT INTO runs (id, experiment_id, role, method, backbone, seed, status, queue_position, config_json,
      epochs_total, created_at, updated_at) VALUES ('r', 'e', 'student', 'rtk', 'resnet8', 1, 'running', 1, '{}', 3, 'a', 'a');`);
}

function owner(overrides: Partial<HomeOwner>): HomeOwner {
  const now = new Date().toISOString();
  return {
    pid: 1,
    hostName: hostname(),
    processStart: null,
    kind: 'serve',
    description: 'a lab server',
    claimedAt: now,
    heartbeatAt: now,
    ...overrides,
  };
}

afterEach(async () => {
  const running = children.splice(0).filter((child) => child.exitCode === null && child.signalCode === null);
  await Promise.all(running.map(killed));
  for (const store of opened.splice(0)) store.close();
  for (const home of homes.splice(0)) rmSync(home, { recursive: true, force: true });
});

describe('one owner per workbench home', () => {
  it('refuses a second process while the first is alive, naming it, and changes nothing', async () => {
    const home = newHome();
    const store = open(home);
    seedRunningRun(store);
    const child = await ownerProcess(home);
    let recovered = false;
    const claim = new HomeOwnership(store).claim('train', 'rtk-workbench train', () => {
      recovered = true;
    });
    expect(claim.claimed).toBe(false);
    if (claim.claimed) return;
    expect(claim.owner).toMatchObject({ pid: child.pid, kind: 'serve', description: 'the test owner' });
    expect(describeOwner(claim.owner)).toMatch(new RegExp(`^the test owner \\(process ${child.pid}, since `));
    expect(recovered).toBe(false);
    expect(store.runs.get('r')?.status).toBe('running');
  });

  it('takes over from an owner that was killed, marking the runs it left running as interrupted', async () => {
    const home = newHome();
    const store = open(home);
    seedRunningRun(store);
    const child = await ownerProcess(home);
    await killed(child);
    const ownership = new HomeOwnership(store);
    const claim = ownership.claim('resume', 'rtk-workbench resume', () =>
      store.runs.interruptAbandoned('its owner died'),
    );
    expect(claim).toMatchObject({ claimed: true, replaced: { pid: child.pid } });
    expect(store.runs.get('r')).toMatchObject({ status: 'interrupted', error: 'its owner died' });
    expect(store.owner.current()).toMatchObject({ pid: process.pid, kind: 'resume' });
    ownership.release();
    expect(store.owner.current()).toBeUndefined();
  });

  it('lets exactly one of two processes that claim at the same moment win', async () => {
    const home = newHome();
    open(home).close();
    const said = (child: ChildProcess) =>
      new Promise<string>((resolve) =>
        child.stdout?.once('data', (chunk: Buffer) => resolve(chunk.toString().trim())),
      );
    const racers = [0, 1].map(() => {
      const child = spawn(process.execPath, ['--import', 'tsx', claimer, home], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      children.push(child);
      return child;
    });
    const answers = await Promise.all(racers.map(said));
    const winner = answers.indexOf('claimed');
    expect(winner).not.toBe(-1);
    const loser = 1 - winner;
    expect(answers[loser]).toBe(`refused by ${racers[winner]?.pid ?? ''}`);
  });

  it('tells a live owner from a dead one by pid and start time, and a remote one by its heartbeat', () => {
    const ownStart = processStartOf(process.pid);
    expect(ownStart).toMatch(/^\d+$/);
    expect(isOwnerAlive(owner({ pid: process.pid, processStart: ownStart }))).toBe(true);
    // The same pid with another start time is a later process that reused the pid: the owner is gone.
    expect(isOwnerAlive(owner({ pid: process.pid, processStart: `${ownStart ?? ''}0` }))).toBe(false);
    expect(isOwnerAlive(owner({ pid: 2 ** 22 + 17 }))).toBe(false);
    const now = Date.now();
    const fresh = new Date(now - 5_000).toISOString();
    const stale = new Date(now - 120_000).toISOString();
    expect(isOwnerAlive(owner({ hostName: 'another-machine', heartbeatAt: fresh }), now)).toBe(true);
    expect(isOwnerAlive(owner({ hostName: 'another-machine', heartbeatAt: stale }), now)).toBe(false);
  });

  it('keeps its heartbeat only while it owns the home', () => {
    const store = open(newHome());
    const ownership = new HomeOwnership(store);
    expect(ownership.claim('serve', 'a lab server', () => undefined).claimed).toBe(true);
    expect(ownership.held).toBe(true);
    expect(store.owner.heartbeat(process.pid, hostname())).toBe(true);
    expect(store.owner.heartbeat(process.pid + 1, hostname())).toBe(false);
    ownership.release();
    expect(ownership.held).toBe(false);
    expect(store.owner.heartbeat(process.pid, hostname())).toBe(false);
  });
});

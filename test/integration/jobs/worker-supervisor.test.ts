import { afterEach, describe, expect, it } from 'vitest';
import { forkWorkerLauncher } from '../../../src-main/jobs/worker-process.js';
import { WorkerCrashedError, WorkerSupervisor } from '../../../src-main/jobs/worker-supervisor.js';
import type { WorkerCrash } from '../../../src-main/jobs/worker-supervisor.js';

let supervisor: WorkerSupervisor | null = null;
afterEach(async () => {
  await supervisor?.shutdown();
  supervisor = null;
});

function nextEvent<Value>(subscribe: (listener: (value: Value) => void) => void): Promise<Value> {
  return new Promise((resolve) => subscribe(resolve));
}

describe('the worker supervisor', () => {
  it('starts the compute worker, whose doctor job chooses a backend and says why not the others', async () => {
    supervisor = new WorkerSupervisor(forkWorkerLauncher({ ...process.env, RTK_BACKEND: '' }));
    const status = await supervisor.run({ type: 'doctor', forcedBackend: null });
    // The backend chosen depends on the machine; that exactly one is chosen and each other says why does not.
    expect(status.attempts.filter((attempt) => attempt.chosen).map((attempt) => attempt.name)).toEqual([
      status.chosenBackend,
    ]);
    for (const attempt of status.attempts.filter((candidate) => !candidate.chosen)) {
      expect(attempt.reason, attempt.name).not.toBe('');
    }
    expect(status.cpuCores).toBeGreaterThan(0);
    expect(supervisor.state.state).toBe('ready');
  });

  it('notices a killed worker, fails its job with the reason, reports the crash and starts a new worker', async () => {
    supervisor = new WorkerSupervisor(forkWorkerLauncher());
    await supervisor.start();
    const firstPid = supervisor.state.pid;
    expect(firstPid).toBeGreaterThan(0);
    const crash = nextEvent<WorkerCrash>((listener) => supervisor?.once('crash', listener));
    const job = supervisor.run({ type: 'doctor', forcedBackend: 'cpu' });
    process.kill(firstPid ?? 0, 'SIGKILL');
    await expect(job).rejects.toBeInstanceOf(WorkerCrashedError);
    await expect(job).rejects.toThrow(/stopped unexpectedly: it was killed by SIGKILL/);
    const report = await crash;
    expect(report.restarting).toBe(true);
    expect(report.exit.signal).toBe('SIGKILL');
    await nextEvent<unknown>((listener) =>
      supervisor?.on('state', (state) => {
        if (state.state === 'ready') listener(state);
      }),
    );
    expect(supervisor.state.pid).not.toBe(firstPid);
    expect(supervisor.state.restarts).toBe(1);
    expect(supervisor.state.lastCrash).toMatch(/SIGKILL/);
    const status = await supervisor.run({ type: 'doctor', forcedBackend: 'cpu' });
    expect(status.chosenBackend).toBe('cpu');
  });
});

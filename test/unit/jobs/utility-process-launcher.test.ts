import { afterEach, describe, expect, it, vi } from 'vitest';
import { utilityProcessWorkerLauncher } from '../../../src-main/jobs/utility-process-launcher.js';
import { WorkerSupervisor } from '../../../src-main/jobs/worker-supervisor.js';
import type { WorkerExit } from '../../../src-main/jobs/worker-process.js';
import { fakeElectron } from '../app/fake-electron.js';
import type { FakeUtilityProcess } from '../app/fake-electron.js';

vi.mock('electron', async () => (await import('../app/fake-electron.js')).fakeElectron);

const forks = fakeElectron.utilityProcess.forks;

function lastChild(): FakeUtilityProcess {
  const child = forks.at(-1)?.child;
  if (child === undefined) throw new Error('nothing was forked');
  return child;
}

afterEach(() => {
  forks.length = 0;
  vi.restoreAllMocks();
});

describe('utilityProcessWorkerLauncher', () => {
  it('forks the worker entry with stderr piped and the given environment', () => {
    const environment = { RTK_TEST: '1' };
    utilityProcessWorkerLauncher(environment)();
    const fork = forks.at(-1);
    expect(fork?.modulePath).toMatch(/src-main[/\\]worker[/\\]main\.(ts|js)$/);
    expect(fork?.options).toMatchObject({ env: environment, stdio: ['ignore', 'inherit', 'pipe'] });
  });

  it('passes messages both ways and reports the pid once spawned', () => {
    const worker = utilityProcessWorkerLauncher({})();
    const child = lastChild();
    const received: unknown[] = [];
    worker.onMessage((message) => received.push(message));
    expect(worker.pid).toBeUndefined();
    child.pid = 4321;
    expect(worker.pid).toBe(4321);
    child.emit('message', { kind: 'ready', pid: 4321 });
    worker.send({ kind: 'shutdown' });
    expect(received).toEqual([{ kind: 'ready', pid: 4321 }]);
    expect(child.posted).toEqual([{ kind: 'shutdown' }]);
  });

  it('maps the exit code to a WorkerExit and stops posting to an exited process', () => {
    const worker = utilityProcessWorkerLauncher({})();
    const child = lastChild();
    const exits: WorkerExit[] = [];
    worker.onExit((exit) => exits.push(exit));
    child.emit('exit', 134);
    expect(exits).toEqual([{ code: 134, signal: null }]);
    worker.send({ kind: 'shutdown' });
    expect(child.posted).toEqual([]);
  });

  it('reports stderr text and fatal errors to the error listeners', () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const worker = utilityProcessWorkerLauncher({})();
    const child = lastChild();
    const output: string[] = [];
    worker.onErrorOutput((text) => output.push(text));
    child.stderr.write(Buffer.from('FATAL ERROR: JavaScript heap out of memory\n'));
    child.emit('error', 'FatalError', 'v8::internal::Heap', '{"report":true}');
    expect(output).toEqual([
      'FATAL ERROR: JavaScript heap out of memory\n',
      'FatalError at v8::internal::Heap\n',
    ]);
  });

  it('keeps GPU-library noise off the console but gives it to the error listeners', () => {
    const onConsole: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((text) => {
      onConsole.push(String(text));
      return true;
    });
    const worker = utilityProcessWorkerLauncher({})();
    const child = lastChild();
    const output: string[] = [];
    worker.onErrorOutput((text) => output.push(text));
    const noise = 'Warning: vkCreateInstance failed with VK_ERROR_INCOMPATIBLE_DRIVER\n';
    child.stderr.write(Buffer.from(`${noise}worker: disk full\n`));
    expect(onConsole).toEqual(['worker: disk full\n']);
    expect(output).toEqual([`${noise}worker: disk full\n`]);
  });

  it('kills the process', () => {
    utilityProcessWorkerLauncher({})().kill();
    expect(lastChild().killed).toBe(true);
  });

  it('lets the supervisor see the worker become ready and crash with its stderr as the reason', async () => {
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const supervisor = new WorkerSupervisor(utilityProcessWorkerLauncher({}), { maxRestarts: 0 });
    const started = supervisor.start();
    const child = lastChild();
    child.emit('message', { kind: 'ready', pid: 99 });
    await started;
    expect(supervisor.state).toMatchObject({ state: 'ready', pid: 99 });
    const crashes: string[] = [];
    supervisor.on('crash', (crash) => crashes.push(crash.reason));
    child.stderr.write('FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n');
    await new Promise((resolve) => setImmediate(resolve));
    child.emit('exit', 1);
    expect(supervisor.state.state).toBe('crashed');
    expect(crashes).toEqual([
      'The compute worker stopped unexpectedly: it exited with code 1. It ran out of memory.',
    ]);
    expect(forks).toHaveLength(1);
  });
});

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WorkerErrorEcho } from './worker-error-output.js';

/** A started compute-worker process, whichever API started it. */
export interface WorkerProcess {
  readonly pid: number | undefined;
  send(message: unknown): void;
  kill(): void;
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (exit: WorkerExit) => void): void;
  /** Calls back with each chunk the process writes to stderr, for crash reports. */
  onErrorOutput(listener: (text: string) => void): void;
}

/** How a worker process ended. */
export interface WorkerExit {
  readonly code: number | null;
  readonly signal: string | null;
}

/** Starts one worker process. */
export type WorkerLauncher = () => WorkerProcess;

/**
 * Where the worker's entry is: the compiled file next to this one, or (when the main process itself runs from
 * TypeScript, as in the tests) the TypeScript source, run through tsx.
 */
export function workerEntry(): { file: string; execArgv: string[] } {
  const runningFromSource = import.meta.url.endsWith('.ts');
  const file = fileURLToPath(new URL(`../worker/main.${runningFromSource ? 'ts' : 'js'}`, import.meta.url));
  return { file, execArgv: runningFromSource ? ['--import', 'tsx'] : [] };
}

/** Starts the worker with child_process.fork: the launcher for the CLI, the lab server and the tests. */
export function forkWorkerLauncher(environment: NodeJS.ProcessEnv = process.env): WorkerLauncher {
  return () => {
    const entry = workerEntry();
    const child = fork(entry.file, [], {
      execArgv: entry.execArgv,
      env: environment,
      stdio: ['ignore', 'inherit', 'pipe', 'ipc'],
    });
    const echo = new WorkerErrorEcho((text) => process.stderr.write(text));
    child.on('close', () => echo.flush());
    return {
      pid: child.pid,
      send: (message) => {
        if (child.connected) child.send(message as object);
      },
      kill: () => {
        child.kill('SIGKILL');
      },
      onMessage: (listener) => {
        child.on('message', listener);
      },
      onExit: (listener) => {
        child.on('exit', (code, signal) => listener({ code, signal }));
      },
      onErrorOutput: (listener) => {
        child.stderr?.on('data', (chunk: Buffer) => {
          const text = chunk.toString('utf8');
          echo.push(text);
          listener(text);
        });
      },
    };
  };
}

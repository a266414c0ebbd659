import { utilityProcess } from 'electron';
import { WorkerErrorEcho } from './worker-error-output.js';
import { workerEntry } from './worker-process.js';
import type { WorkerExit, WorkerLauncher } from './worker-process.js';

/**
 * Starts the worker as an Electron utilityProcess: the launcher inside the app. The worker speaks the same
 * protocol as under fork (it finds `process.parentPort`); stderr is piped so a crash report can quote it.
 */
export function utilityProcessWorkerLauncher(environment: NodeJS.ProcessEnv = process.env): WorkerLauncher {
  return () => {
    const entry = workerEntry();
    const child = utilityProcess.fork(entry.file, [], {
      execArgv: entry.execArgv,
      env: environment,
      stdio: ['ignore', 'inherit', 'pipe'],
      serviceName: 'RTK Workbench compute worker',
    });
    let exited = false;
    const errorListeners: ((text: string) => void)[] = [];
    const reportError = (text: string): void => {
      for (const listener of errorListeners) listener(text);
    };
    const echo = new WorkerErrorEcho((text) => process.stderr.write(text));
    child.on('exit', () => {
      exited = true;
      echo.flush();
    });
    // A fatal V8 error also ends in 'exit'; its type and location are kept so the crash reason names them.
    child.on('error', (type, location) => reportError(`${type} at ${location}\n`));
    child.stderr?.on('data', (chunk: Buffer | string) => {
      const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      echo.push(text);
      reportError(text);
    });
    return {
      get pid() {
        return child.pid;
      },
      send: (message) => {
        if (!exited) child.postMessage(message);
      },
      kill: () => {
        child.kill();
      },
      onMessage: (listener) => {
        child.on('message', (message: unknown) => listener(message));
      },
      onExit: (listener) => {
        // utilityProcess reports only the exit status; a signal is not told apart from a code.
        child.on('exit', (code) => listener({ code, signal: null } satisfies WorkerExit));
      },
      onErrorOutput: (listener) => {
        errorListeners.push(listener);
      },
    };
  };
}

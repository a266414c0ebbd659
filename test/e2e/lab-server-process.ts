import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Page } from '@playwright/test';

export const serverStartMilliseconds = 60_000;

/** A running `rtk-workbench serve` child process and the URL it printed. */
export interface LabServerProcess {
  readonly child: ChildProcess;
  readonly urlWithToken: string;
  readonly output: () => string;
}

/** Starts `rtk-workbench serve` on a free port and resolves once it prints its lab-mode URL. */
export function startServer(
  homeDirectory: string,
  extraArguments: readonly string[] = [],
): Promise<LabServerProcess> {
  const child = spawn(
    process.execPath,
    ['bin/rtk-workbench.js', 'serve', '--home', homeDirectory, '--port', '0', ...extraArguments],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`The lab server printed no URL within ${serverStartMilliseconds} ms. Output:\n${output}`),
      );
    }, serverStartMilliseconds);
    const collect = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const match = /lab mode:\s*(\S+\?token=\S+)/.exec(output);
      if (match?.[1] !== undefined) {
        clearTimeout(timer);
        resolve({ child, urlWithToken: match[1], output: () => output });
      }
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(
        new Error(
          `The lab server exited (code ${code}, signal ${signal}) before printing its URL:\n${output}`,
        ),
      );
    });
  });
}

/** Stops the server: SIGTERM, then SIGKILL if it has not exited within ten seconds. */
export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** Collects every console error and warning and every uncaught exception of the page. */
export function watchConsole(page: Page): string[] {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      problems.push(`console ${message.type()}: ${message.text()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  return problems;
}

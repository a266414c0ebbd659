import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { expect } from '@playwright/test';
import type { Page } from '@playwright/test';

export const serverStartMilliseconds = 60_000;

/** A running `rtk-workbench serve` child process and the URL it printed. */
export interface LabServerProcess {
  readonly child: ChildProcess;
  readonly urlWithToken: string;
  readonly output: () => string;
}

/** The server beforeAll started, or a failure that says it did not start. */
export function startedServer(server: LabServerProcess | null): LabServerProcess {
  if (server === null) throw new Error('The lab server did not start (see beforeAll).');
  return server;
}

/** Opens the workbench at a route in a 1280×800 window, signed in with the server's token. */
export async function openRoute(page: Page, server: LabServerProcess | null, hash: string): Promise<void> {
  const url = new URL(startedServer(server).urlWithToken);
  url.hash = hash;
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(url.toString());
}

/**
 * Starts `rtk-workbench serve` on a free port and resolves once it prints its lab-mode URL; `environment` adds
 * variables (e.g. `RTK_WORKBENCH_DEMO_SIZE`).
 */
export function startServer(
  homeDirectory: string,
  extraArguments: readonly string[] = [],
  environment: Readonly<Record<string, string>> = {},
): Promise<LabServerProcess> {
  const child = spawn(
    process.execPath,
    ['bin/rtk-workbench.js', 'serve', '--home', homeDirectory, '--port', '0', ...extraArguments],
    // WebAssembly is forced so that what the tests expect of the engine holds on any machine.
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RTK_BACKEND: 'wasm', ...environment } },
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

/**
 * Checks what a screenshot would only show: the page fits the window's width (no sideways scrolling), no list,
 * button or link cuts its words short, and no visible chart canvas is cut off sideways by a box around it or by
 * the window, nor at all by a box that hides its overflow. With RTK_E2E_SCREENSHOTS=DIR it also saves a
 * screenshot of the page there, named after `where`.
 */
export async function expectLaidOut(page: Page, where: string): Promise<void> {
  const problems = await page.evaluate(() => {
    const found: string[] = [];
    const width = window.innerWidth;
    const pageWidth = document.documentElement.scrollWidth;
    if (pageWidth > width) found.push(`the page is ${pageWidth}px wide in a ${width}px window`);
    for (const canvas of document.querySelectorAll('canvas')) {
      if (canvas.offsetParent === null) continue;
      const name =
        canvas.getAttribute('aria-label') ??
        canvas.closest('[data-testid]')?.getAttribute('data-testid') ??
        'a chart';
      const box = canvas.getBoundingClientRect();
      if (box.width < 1 || box.height < 1) found.push(`${name} has no size`);
      if (box.left < -1 || box.right > width + 1) found.push(`${name} sticks out of the window`);
      for (let outer = canvas.parentElement; outer !== null; outer = outer.parentElement) {
        const style = getComputedStyle(outer);
        const hides = /hidden|clip/.test(`${style.overflowX} ${style.overflowY}`);
        if (!hides && style.overflowX === 'visible') continue;
        const frame = outer.getBoundingClientRect();
        const sideways = box.left < frame.left - 1 || box.right > frame.right + 1;
        const upOrDown = box.top < frame.top - 1 || box.bottom > frame.bottom + 1;
        if (sideways || (hides && upOrDown)) {
          found.push(`${name} is cut off by <${outer.tagName.toLowerCase()} class="${outer.className}">`);
        }
      }
    }
    // A control whose words do not fit: a select showing a cut option, a button or link cut short.
    const measure = document.createElement('canvas').getContext('2d');
    for (const select of document.querySelectorAll('select')) {
      if (select.offsetParent === null || measure === null) continue;
      const style = getComputedStyle(select);
      measure.font = style.font;
      const shown = select.selectedOptions[0]?.text ?? '';
      // The drop-down arrow takes about 1.5em beside the padding.
      const room =
        select.clientWidth -
        parseFloat(style.paddingLeft) -
        parseFloat(style.paddingRight) -
        1.5 * parseFloat(style.fontSize);
      if (measure.measureText(shown).width > room + 1) {
        found.push(`the list ${select.id || select.name || '(unnamed)'} cuts its choice "${shown}"`);
      }
    }
    for (const control of document.querySelectorAll<HTMLElement>('button, a.button, label.choice')) {
      if (control.offsetParent === null) continue;
      if (control.scrollWidth > control.clientWidth + 1) {
        found.push(
          `"${control.textContent?.trim() ?? ''}" does not fit its ${control.tagName.toLowerCase()}`,
        );
      }
    }
    return found;
  });
  const screenshots = process.env['RTK_E2E_SCREENSHOTS'];
  if (screenshots !== undefined && screenshots !== '') {
    const name = where.replace(/[^\w-]+/g, '-').replace(/^-|-$/g, '');
    await page.screenshot({ path: `${screenshots}/${name}.png`, fullPage: true });
  }
  expect(problems, `layout of ${where}`).toEqual([]);
}

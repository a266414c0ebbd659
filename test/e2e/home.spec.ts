import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, request, test } from '@playwright/test';
import {
  expectLaidOut,
  serverStartMilliseconds,
  startedServer,
  startServer,
  stopServer,
  watchConsole,
} from './lab-server-process.js';
import type { LabServerProcess } from './lab-server-process.js';

// Doctor loads each backend in turn in the compute worker; on a small CI machine that takes a while.
const doctorMilliseconds = 90_000;

let homeDirectory = '';
let server: LabServerProcess | null = null;

function labServer(): LabServerProcess {
  return startedServer(server);
}

test.beforeAll(async () => {
  test.setTimeout(serverStartMilliseconds + 10_000);
  homeDirectory = await mkdtemp(join(tmpdir(), 'rtk-workbench-e2e-'));
  server = await startServer(homeDirectory);
});

test.afterAll(async () => {
  if (server !== null) await stopServer(server.child);
  if (homeDirectory !== '') await rm(homeDirectory, { recursive: true, force: true });
});

test('the home shows the engine, the empty lists with their first steps, and no console problems', async ({
  page,
}) => {
  test.setTimeout(doctorMilliseconds + 60_000);
  const problems = watchConsole(page);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(labServer().urlWithToken);

  await expect(page.getByTestId('app-mode')).toHaveText('Lab mode (browser)');
  await expect(page.getByTestId('app-version')).toHaveText(/^Version \d+\.\d+\.\d+/);
  await expect(page.getByTestId('home-folder')).toHaveText(homeDirectory);
  expect(new URL(page.url()).searchParams.has('token'), 'the token is removed from the address bar').toBe(
    false,
  );

  const engine = page.getByTestId('engine-status');
  const engineError = page.getByTestId('engine-error');
  await expect(engine.or(engineError)).toBeVisible({ timeout: doctorMilliseconds });
  expect(await engineError.count(), `doctor failed: ${(await engineError.allTextContents()).join(' ')}`).toBe(
    0,
  );
  await expect(engine).toHaveAttribute('data-backend', 'wasm');
  await expect(engine).toContainText('CPU, WebAssembly');
  // Plain words first; the package names are only the small print under each engine.
  const skippedNames = page.getByTestId('engine-skipped').locator('.skipped-name');
  await expect(skippedNames.first()).toHaveText('NVIDIA GPU (CUDA)');
  for (const name of await skippedNames.allTextContents()) expect(name).not.toMatch(/@|tfjs|libtensorflow/);
  await expect(page.getByTestId('engine-simd')).toHaveText(/^(Yes|No)$/);
  await expect(page.getByTestId('worker-status')).toHaveAttribute('data-state', 'ready');

  const datasets = page.getByTestId('datasets-empty');
  await expect(datasets).toContainText('No datasets yet');
  await expect(datasets.getByRole('link', { name: 'Import a dataset' })).toHaveAttribute(
    'href',
    '#/datasets/import',
  );
  const experiments = page.getByTestId('experiments-empty');
  await expect(experiments).toContainText('No experiments yet');
  await expect(experiments.getByRole('button', { name: 'Try the demo' })).toBeEnabled();
  await expect(
    page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }),
  ).toHaveAttribute('aria-current', 'page');

  await expectLaidOut(page, 'home at 1280×800');
  await page.setViewportSize({ width: 1920, height: 1080 });
  await expectLaidOut(page, 'home at 1920×1080');
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize({ width: 1280, height: 800 });
  await expectLaidOut(page, 'home, dark, at 1280×800');
  await page.emulateMedia({ colorScheme: 'light' });

  const checkAgain = page.getByRole('button', { name: 'Check again' });
  await checkAgain.click();
  await expect(page.getByRole('button', { name: 'Check again' })).toBeEnabled({
    timeout: doctorMilliseconds,
  });
  await expect(engine).toHaveAttribute('data-backend', 'wasm');

  await page.reload();
  await expect(
    page.getByTestId('engine-status'),
    'the session cookie keeps the page signed in',
  ).toHaveAttribute('data-backend', 'wasm');

  expect(problems).toEqual([]);
});

test('the API refuses a call without the token', async () => {
  const origin = new URL(labServer().urlWithToken).origin;
  const token = new URL(labServer().urlWithToken).searchParams.get('token') ?? '';
  const context = await request.newContext();
  try {
    const refused = await context.post(`${origin}/api/home:get`, { data: {} });
    expect(refused.status()).toBe(401);
    expect(await refused.json()).toMatchObject({ ok: false });

    const wrongToken = await context.post(`${origin}/api/home:get`, {
      data: {},
      headers: { 'x-workbench-token': `${token}x` },
    });
    expect(wrongToken.status()).toBe(401);

    const allowed = await context.post(`${origin}/api/home:get`, {
      data: {},
      headers: { 'x-workbench-token': token },
    });
    expect(allowed.status()).toBe(200);
    expect(await allowed.json()).toMatchObject({ ok: true, result: { app: { mode: 'lab' } } });
  } finally {
    await context.dispose();
  }
});

import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { APIRequestContext, Page } from '@playwright/test';
import type { DemoStatus } from '../../src-shared/contracts/demo-types.js';
import type { DatasetSummary } from '../../src-shared/contracts/domain-types.js';
import type { ExperimentDetails } from '../../src-shared/contracts/api.js';
import type { ExperimentResults } from '../../src-shared/contracts/run-types.js';
import type { TeacherRecord } from '../../src-shared/contracts/teacher-types.js';
import { runPythonScript } from '../support/python.js';
import {
  expectLaidOut,
  openRoute,
  serverStartMilliseconds,
  startedServer,
  startServer,
  stopServer,
  watchConsole,
} from './lab-server-process.js';
import type { LabServerProcess } from './lab-server-process.js';

// The small demo: a resnet8 teacher (2 epochs) and three resnet8 students (1 epoch) on 400 images, then an
// ONNX export checked in ONNX Runtime, on a small machine shared with other work.
const demoMilliseconds = 420_000;
// Two students of 3 epochs on 400 images.
const uselessTeacherMilliseconds = 300_000;

let workDirectory = '';
let homeDirectory = '';
let server: LabServerProcess | null = null;

function labServer(): LabServerProcess {
  return startedServer(server);
}

async function open(page: Page, hash: string): Promise<void> {
  await openRoute(page, server, hash);
}

/** Calls the workbench API over HTTP as the page does, with the server's token. */
async function call<Result>(
  request: APIRequestContext,
  channel: string,
  argumentsValue: unknown = {},
): Promise<Result> {
  const url = new URL(labServer().urlWithToken);
  const response = await request.post(`${url.origin}/api/${channel}`, {
    headers: { 'x-workbench-token': url.searchParams.get('token') ?? '' },
    data: argumentsValue,
  });
  const outcome = (await response.json()) as
    { ok: true; result: Result } | { ok: false; error: { message: string } };
  if (!outcome.ok) throw new Error(`${channel}: ${outcome.error.message}`);
  return outcome.result;
}

test.beforeAll(async () => {
  test.setTimeout(serverStartMilliseconds + 10_000);
  workDirectory = await mkdtemp(join(tmpdir(), 'rtk-workbench-demo-'));
  homeDirectory = join(workDirectory, 'home');
  // The home button's demo runs small here: the same steps on fewer images and epochs.
  server = await startServer(homeDirectory, [], { RTK_WORKBENCH_DEMO_SIZE: 'small' });
});

test.afterAll(async () => {
  if (server !== null) await stopServer(server.child);
  if (workDirectory !== '') await rm(workDirectory, { recursive: true, force: true });
});

test('one click on "Try the demo" trains, compares and exports the recommended student', async ({
  page,
  request,
}) => {
  test.setTimeout(demoMilliseconds + 120_000);
  const problems = watchConsole(page);
  await open(page, '#/');
  await page.getByTestId('demo-start').click();

  await expect(page.getByTestId('experiment-name')).toContainText('Demo (small)', { timeout: 120_000 });
  const panel = page.getByTestId('demo-panel');
  await expect(panel).toBeVisible();
  await expect(page.getByTestId('demo-phase')).not.toHaveText('');
  await expect(page.getByTestId('run-row')).toHaveCount(4);
  const experimentId = /#\/experiments\/([^?]+)/.exec(page.url())?.[1] ?? '';
  expect(experimentId).not.toBe('');

  // A second start while the demo runs gives that demo, not a new one.
  const again = await call<DemoStatus>(request, 'demo:start');
  expect(again.experimentId).toBe(experimentId);
  expect(again.phase).not.toBe('done');

  // The demo goes on while the user looks elsewhere; its page picks it up again.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Home' }).click();
  await expect(page.getByTestId('experiments-table')).toContainText('Demo (small)');
  await page
    .getByTestId('experiments-table')
    .getByRole('link', { name: /Demo \(small\)/ })
    .click();
  await expect(panel).toBeVisible();

  await expect(panel).toHaveAttribute('data-phase', 'done', { timeout: demoMilliseconds });
  await expect(page.getByTestId('tab-compare')).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('compare-panel')).toBeVisible();
  await expect(page.getByTestId('recommendation-summary')).toContainText('Recommended:');

  const directory = (await page.getByTestId('demo-export-directory').textContent()) ?? '';
  expect(directory.startsWith(join(homeDirectory, 'exports'))).toBe(true);
  for (const file of [
    'model.onnx',
    'model-card.json',
    'MODEL_CARD.md',
    join('tfjs', 'model.json'),
    'index.html',
  ]) {
    expect(existsSync(join(directory, file)), file).toBe(true);
  }
  // The exported student is the recommended one, its files were checked against it, and the store knows it.
  const results = await call<ExperimentResults>(request, 'experiments:results', { id: experimentId });
  const card = JSON.parse(readFileSync(join(directory, 'model-card.json'), 'utf8')) as {
    training: { runId: string };
    parity: Record<string, { top1Agreement: number }>;
  };
  expect(card.training.runId).toBe(results.recommendation?.runId);
  expect(Object.values(card.parity).map((figures) => figures.top1Agreement)).toEqual([1, 1]);
  const exports = await call<{ directory: string }[]>(request, 'exports:list', {});
  expect(exports.map((record) => record.directory)).toContain(directory);
  const demo = await call<{ demo: DemoStatus }>(request, 'demo:get');
  expect(demo.demo.export?.directory).toBe(directory);

  await expectLaidOut(page, 'the finished demo on Compare');
  expect(problems).toEqual([]);
});

test('a useless teacher: Compare warns that distillation hurt, and the export picker recommends the student alone', async ({
  page,
  request,
}) => {
  test.setTimeout(uselessTeacherMilliseconds + 120_000);
  const problems = watchConsole(page);
  const teacherFile = join(workDirectory, 'useless-teacher.onnx');
  runPythonScript('test/fixtures/python/make-useless-teacher.py', [teacherFile]);
  const dataset = await call<DatasetSummary>(request, 'datasets:demo');
  const teacher = await call<TeacherRecord>(request, 'teachers:import', {
    source: teacherFile,
    datasetId: dataset.id,
    name: 'Untrained network',
  });
  // An untrained network with a scaled-up classifier: confident, and right only by chance.
  expect(teacher.testTop1).toBeLessThan(15);
  const created = await call<ExperimentDetails>(request, 'experiments:create', {
    spec: {
      name: 'Useless teacher',
      preset: 'quick',
      datasetId: dataset.id,
      teacher: { source: 'imported', teacherId: teacher.id },
      student: { backbone: 'resnet8' },
      methods: ['kd', 'none'],
      schedule: {
        epochs: 3,
        batchSize: 64,
        learningRate: 0.05,
        learningRateSchedule: { kind: 'cosine', minimum: 0 },
      },
      seeds: [1],
    },
  });
  const experimentId = created.experiment.id;

  await open(page, `#/experiments/${experimentId}`);
  await expect(page.getByTestId('experiment-status')).toHaveText('Done', {
    timeout: uselessTeacherMilliseconds,
  });
  await page.getByTestId('tab-compare').click();
  const recommendation = page.getByTestId('recommendation');
  await expect(recommendation).toHaveAttribute('data-method', 'none');
  await expect(page.getByTestId('recommendation-summary')).toContainText(
    'Recommended: the student trained alone (seed 1)',
  );
  const warnings = page.getByTestId('recommendation-warning');
  await expect(warnings.and(page.locator('[data-kind="distillation-hurt"]'))).toContainText('KD scored');
  await expect(warnings.and(page.locator('[data-kind="distillation-hurt"]'))).toContainText(
    'below the student trained alone',
  );
  await expect(warnings.and(page.locator('[data-kind="teacher-near-chance"]'))).toContainText(
    'close to chance (10.00 % for 10 classes)',
  );
  await expectLaidOut(page, 'Compare with warnings');

  await page.getByTestId('experiment-export').click();
  const picker = page.getByTestId('export-run');
  await expect(picker.locator('option:checked')).toContainText(/^Student alone .*\(recommended\)$/);
  await expect(picker.locator('option', { hasText: /^KD/ })).not.toContainText('recommended');
  await expect(page.getByTestId('recommendation-warning').first()).toBeVisible();
  await expect(page.getByTestId('export-run').locator('option', { hasText: 'recommended' })).toHaveCount(1);
  await expectLaidOut(page, 'the export picker with warnings');
  expect(problems).toEqual([]);
});

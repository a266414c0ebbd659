import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { writeCifar10 } from '../fixtures/datasets/cifar.js';
import sharp from 'sharp';
import {
  expectLaidOut,
  openRoute,
  serverStartMilliseconds,
  startServer,
  stopServer,
  watchConsole,
} from './lab-server-process.js';
import type { LabServerProcess } from './lab-server-process.js';

// Four one-epoch runs of resnet8 on a hundred images, each starting the WebAssembly engine on a small machine.
const trainingMilliseconds = 420_000;
const exportMilliseconds = 180_000;

let workDirectory = '';
let cifarFolder = '';
let server: LabServerProcess | null = null;

async function open(page: Page, hash: string): Promise<void> {
  await openRoute(page, server, hash);
}

/** Goes through the new-experiment wizard from its first step; returns once the experiment page shows. */
async function createExperiment(
  page: Page,
  options: { name: string; epochs: number; methods: readonly string[] },
  checkLayoutAs: string | null,
): Promise<void> {
  await expect(page.getByTestId('wizard-step-dataset')).toBeVisible();
  await page.getByLabel('Experiment name').fill(options.name);
  if (checkLayoutAs !== null) await expectLaidOut(page, `${checkLayoutAs}: dataset`);
  await page.getByTestId('wizard-next').click();

  await expect(page.getByTestId('wizard-step-teacher')).toBeVisible();
  await page.getByLabel('Train a new teacher here').check();
  await page.getByLabel('Teacher network').selectOption('resnet8');
  if (checkLayoutAs !== null) await expectLaidOut(page, `${checkLayoutAs}: teacher`);
  await page.getByTestId('wizard-next').click();

  await expect(page.getByTestId('student-catalog')).toBeVisible();
  const sizeWarning = page.getByTestId('student-not-smaller');
  if (checkLayoutAs !== null) {
    // A student far larger than its teacher is not refused, but the wizard says so with both sizes.
    await page.getByRole('radio', { name: 'ResNet-32x4', exact: true }).check();
    await expect(sizeWarning).toContainText(
      /The student ResNet-32x4 \([\d.]+ M parameters\) is [\d.]+× larger than the teacher ResNet-8 \([\d.]+ k parameters\)/,
    );
    await expectLaidOut(page, `${checkLayoutAs}: a larger student`);
  }
  await page.getByRole('radio', { name: 'ResNet-8', exact: true }).check();
  await expect(sizeWarning).toContainText('about as large as the teacher ResNet-8');
  if (checkLayoutAs !== null) await expectLaidOut(page, `${checkLayoutAs}: student`);
  await page.getByTestId('wizard-next').click();

  await expect(page.getByTestId('method-rtk').getByRole('checkbox')).toBeChecked();
  for (const method of ['kd', 'at', 'afd'] as const) {
    const box = page.getByTestId(`method-${method}`).getByRole('checkbox');
    if (options.methods.includes(method)) await box.check();
    else await box.uncheck();
  }
  if (checkLayoutAs !== null) await expectLaidOut(page, `${checkLayoutAs}: methods`);
  await page.getByTestId('wizard-next').click();

  await expect(page.getByTestId('wizard-step-schedule')).toBeVisible();
  await page.getByLabel('Quick look').check();
  await page.getByLabel('Epochs', { exact: true }).fill(String(options.epochs));
  await page.getByLabel('Training images to use').fill('100');
  await page.getByLabel('Test images to use').fill('20');
  if (checkLayoutAs !== null) await expectLaidOut(page, `${checkLayoutAs}: schedule`);
  await page.getByTestId('wizard-next').click();

  await expect(page.getByTestId('review-runs').getByRole('listitem')).toHaveCount(
    1 + (options.methods.length + 1),
  );
  await expect(page.getByTestId('review-estimate')).toContainText('about');
  await expect(page.getByTestId('review-size-warning')).toContainText('about as large as the teacher');
  if (checkLayoutAs !== null) await expectLaidOut(page, `${checkLayoutAs}: review`);
  await page.getByTestId('wizard-start').click();
  await expect(page.getByTestId('experiment-name')).toContainText(options.name);
}

test.beforeAll(async () => {
  test.setTimeout(serverStartMilliseconds + 10_000);
  workDirectory = await mkdtemp(join(tmpdir(), 'rtk-workbench-flow-'));
  cifarFolder = writeCifar10(join(workDirectory, 'data'), { perBatch: 20, batches: 5, testCount: 20 }).folder;
  server = await startServer(join(workDirectory, 'home'));
});

test.afterAll(async () => {
  if (server !== null) await stopServer(server.child);
  if (workDirectory !== '') await rm(workDirectory, { recursive: true, force: true });
});

test('a dataset path that does not exist is explained next to the field', async ({ page }) => {
  const problems = watchConsole(page);
  await open(page, '#/datasets/import');
  await page.getByTestId('import-source').fill(join(workDirectory, 'no-such-folder'));
  await page.getByTestId('import-start').click();
  const error = page.getByTestId('import-source-error');
  await expect(error).toBeVisible({ timeout: 60_000 });
  await expect(error).toContainText('no-such-folder');
  await expect(page.getByTestId('import-source')).toHaveAttribute('aria-invalid', 'true');
  await expectLaidOut(page, 'the import page with a bad path');
  expect(problems).toEqual([]);
});

test('"Customise the demo" prepares the demo dataset and opens the wizard on it with the Quick preset', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const problems = watchConsole(page);
  await open(page, '#/');
  const mainNavigation = page.getByRole('navigation', { name: 'Main' });
  await expect(page.getByTestId('experiments-empty')).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(mainNavigation.getByRole('link', { name: 'Home' })).toBeFocused();
  await expect(
    page.getByTestId('experiments-empty').getByRole('button', { name: 'Try the demo' }),
  ).toBeVisible();
  await page.getByTestId('experiments-empty').getByRole('button', { name: 'Customise the demo' }).click();
  await expect(page.getByTestId('wizard-step-dataset')).toBeVisible({ timeout: 90_000 });
  await expect(page.getByLabel('Dataset', { exact: true }).locator('option:checked')).toContainText(
    'Demo shapes',
  );
  await expect(page.getByLabel('Experiment name')).toHaveValue(/Demo shapes/);
  await expectLaidOut(page, 'the demo wizard');
  // Leaving a wizard with entries asks first; declining keeps the page.
  await page.getByLabel('Experiment name').fill('Demo run');
  page.once('dialog', (dialog) => void dialog.dismiss());
  await mainNavigation.getByRole('link', { name: 'Home' }).click();
  await expect(page.getByLabel('Experiment name')).toHaveValue('Demo run');
  // Enter moves on a step; Back returns with the entries kept.
  await page.getByLabel('Experiment name').press('Enter');
  await expect(page.getByTestId('wizard-step-teacher')).toBeVisible();
  await page.getByRole('button', { name: 'Back' }).click();
  await expect(page.getByLabel('Experiment name')).toHaveValue('Demo run');
  expect(problems).toEqual([]);
});

test('import, health report, a Quick experiment, its runs, Compare, and exports that pass parity', async ({
  page,
}) => {
  test.setTimeout(serverStartMilliseconds + trainingMilliseconds + 2 * exportMilliseconds);
  const problems = watchConsole(page);
  await open(page, '#/');

  await page.getByRole('link', { name: 'Import a dataset' }).first().click();
  await page.getByTestId('import-source').fill(cifarFolder);
  await expectLaidOut(page, 'the import page');
  await page.getByTestId('import-start').click();

  const health = page.getByTestId('health-report');
  await expect(health).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('import-done')).toContainText('cifar10');
  await expect(page.getByTestId('class-balance-chart')).toBeVisible();
  await expect(page.getByTestId('imbalance')).toContainText('same number');
  await expect(page.getByTestId('duplicates')).toBeVisible();
  await expect(page.getByTestId('corrupt-files')).toContainText('Every image could be read');
  await expect(page.getByTestId('thumbnails').getByRole('img').first()).toBeVisible();
  await expectLaidOut(page, 'the health report');

  await page.getByTestId('dataset-new-experiment').click();
  await createExperiment(
    page,
    { name: 'Flow experiment', epochs: 1, methods: ['rtk', 'kd'] },
    'the new-experiment wizard',
  );

  const runs = page.getByTestId('run-row');
  await expect(runs).toHaveCount(4);
  // The teacher trains first: until a student has finished there is nothing to export, and the page says so.
  await expect(page.getByTestId('experiment-export')).toBeDisabled();
  await expect(page.getByTestId('experiment-export-reason')).toHaveText(
    'Export opens when the first student has finished training.',
  );
  await expectLaidOut(page, 'the experiment while it runs');
  await expect(page.getByTestId('experiment-status')).toHaveText('Done', { timeout: trainingMilliseconds });
  for (const row of await runs.all()) await expect(row).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('loss-chart')).toBeVisible();
  await expect(page.getByTestId('accuracy-chart')).toBeVisible();
  await expect(page.getByText('epoch now running')).toHaveCount(0);
  await expect(page.getByTestId('experiment-export-reason')).toHaveCount(0);
  await expectLaidOut(page, 'the finished runs');

  await page.getByTestId('tab-compare').click();
  const rows = page.getByTestId('compare-row');
  for (const method of ['teacher', 'none', 'kd', 'rtk']) {
    await expect(rows.and(page.locator(`[data-method="${method}"]`))).toHaveCount(1);
  }
  await expect(page.getByTestId('compare-bar-chart')).toBeVisible();
  // The settings every run used, RTK's derived ones included (resnet8 → resnet8: β = 200 × 3 ÷ 3).
  await expect(page.getByTestId('hyperparameter-table')).toContainText('200 (derived)');
  await page.getByTestId('compare-figure-notes').locator(':scope > summary').click();
  await expect(page.getByTestId('compare-figure-notes')).toContainText('Best test top-1');
  await expectLaidOut(page, 'Compare');

  await page.getByTestId('experiment-export').click();
  let tfjsDirectory = '';
  const runChoice = page.getByTestId('export-run');
  const rtkOption = runChoice.locator('option', { hasText: /^RTK/ });
  await runChoice.selectOption((await rtkOption.getAttribute('value')) ?? '');
  // A target says what it writes; the mobile one keeps exact float32 weights.
  await page.getByTestId('export-preset').selectOption('onnx-mobile');
  await expect(page.getByTestId('export-preset-summary')).toContainText(
    'Writes ONNX with float32 (exact, not quantised) weights; size budget 20 MB.',
  );
  await expect(page.getByTestId('export-preset-precision')).toContainText('float32 (exact, not quantised)');
  await expectLaidOut(page, 'the export page with a target');
  await page.getByTestId('export-preset').selectOption('');
  for (const [format, label] of [
    ['onnx', 'ONNX'],
    ['tfjs', 'TensorFlow.js'],
  ] as const) {
    await page.getByLabel(label, { exact: true }).check();
    await page.getByTestId('export-start').click();
    const result = page.locator(`[data-testid="export-result"][data-format="${format}"]`);
    await expect(result.or(page.getByTestId('export-error'))).toBeVisible({ timeout: exportMilliseconds });
    await expect(page.getByTestId('export-error')).toHaveCount(0);
    await expect(result.getByTestId('parity-report')).toHaveAttribute('data-passed', 'true');
    const parityLines = result.getByTestId('parity-line');
    await expect(parityLines.first()).toHaveAttribute('data-engine', format);
    await expect(parityLines.first()).toContainText(`${label} (the exported model)`);
    if (format === 'onnx') {
      await expect(parityLines.nth(1)).toContainText('TensorFlow.js copy for the demo page');
    } else {
      await expect(parityLines).toHaveCount(1);
    }
    // Parity runs on the run's own test images, so its accuracy is the run's figure, measured alike.
    await expect(result.getByTestId('parity-images').first()).toContainText('the same as its Test top-1');
    await expectLaidOut(page, `the ${format} export`);
    // The model card reads as a page, every definition open, without widening the window.
    await result.getByTestId('model-card-toggle').locator(':scope > summary').click();
    const card = result.getByTestId('model-card');
    await expect(card.locator('[data-section="training"]')).toContainText(
      'derived: 200 × teacher taps ÷ student taps',
    );
    await expect(card.locator('[data-section="quality"]')).toContainText('Test top-1 (recorded by the run)');
    for (const info of await card.getByTestId('figure-info').all())
      await info.locator(':scope > summary').click();
    await expect(card.getByTestId('figure-info').first()).toHaveAttribute('open', '');
    await expectLaidOut(page, `the ${format} model card`);
    if (format === 'tfjs') tfjsDirectory = (await result.getByTestId('export-directory').textContent()) ?? '';
  }

  // The export's offline demo page classifies a picked image with the TFJS model, straight from the folder.
  const demoPage = await page.context().newPage();
  const demoErrors: string[] = [];
  demoPage.on('pageerror', (error) => demoErrors.push(String(error)));
  await demoPage.goto(`file://${tfjsDirectory}/index.html`);
  await expect(demoPage.locator('#status')).toContainText('Ready', { timeout: 60_000 });
  const sample = await sharp(Buffer.alloc(32 * 32 * 3, 90), { raw: { width: 32, height: 32, channels: 3 } })
    .png()
    .toBuffer();
  await demoPage.setInputFiles('#file', { name: 'sample.png', mimeType: 'image/png', buffer: sample });
  await expect(demoPage.locator('#results tr').first()).toContainText('%', { timeout: 30_000 });
  await expectLaidOut(demoPage, 'the demo page');
  expect(demoErrors).toEqual([]);
  await demoPage.close();

  await page.emulateMedia({ colorScheme: 'dark' });
  await expectLaidOut(page, 'the export page, dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // Importing the same folder again shows the dataset it already is, and offers the next import.
  await open(page, '#/datasets/import');
  await page.getByTestId('import-source').fill(cifarFolder);
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-done')).toContainText('already imported', { timeout: 120_000 });
  await page.getByTestId('import-another').click();
  await expect(page.getByTestId('import-source')).toHaveValue('');
  await expect(page.getByTestId('import-done')).toHaveCount(0);
  expect(problems).toEqual([]);
});

test('cancelling a running experiment stops its runs', async ({ page }) => {
  test.setTimeout(240_000);
  const problems = watchConsole(page);
  await open(page, '#/experiments/new');
  await createExperiment(page, { name: 'Cancelled experiment', epochs: 50, methods: ['rtk'] }, null);
  const first = page.getByTestId('run-row').first();
  await expect(first).toHaveAttribute('data-status', 'running', { timeout: 120_000 });
  // A paused run says what resuming will do with the epoch it stopped in.
  await first.getByRole('button', { name: /^Pause / }).click();
  await expect(first).toHaveAttribute('data-status', 'paused', { timeout: 60_000 });
  await expect(first.getByTestId('run-epoch')).toHaveText(/^\d+ of 50 epochs finished$/);
  await expect(first.getByTestId('run-resume-note')).toContainText(
    /(resuming starts again at the first epoch|Resuming goes on from the checkpoint saved after epoch \d+)/,
  );
  await expectLaidOut(page, 'a paused run');
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByTestId('experiment-cancel').click();
  await expect(page.getByTestId('experiment-status')).toHaveText('Cancelled', { timeout: 60_000 });
  for (const row of await page.getByTestId('run-row').all()) {
    await expect(row).toHaveAttribute('data-status', 'cancelled');
  }
  await expectLaidOut(page, 'the cancelled experiment');
  expect(problems).toEqual([]);
});

import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { writeCifar10 } from '../fixtures/datasets/cifar.js';
import {
  expectLaidOut,
  openRoute,
  serverStartMilliseconds,
  startServer,
  stopServer,
  watchConsole,
} from './lab-server-process.js';
import type { LabServerProcess } from './lab-server-process.js';

let workDirectory = '';
let home = '';
let cifarFolder = '';
let server: LabServerProcess | null = null;

async function open(page: Page, hash: string): Promise<void> {
  await openRoute(page, server, hash);
}

/** What is left in one of the home's folders (none of it a `.deleting-` leftover). */
function folderEntries(name: string): string[] {
  const folder = join(home, name);
  return existsSync(folder) ? readdirSync(folder) : [];
}

test.beforeAll(async () => {
  test.setTimeout(serverStartMilliseconds + 10_000);
  workDirectory = await mkdtemp(join(tmpdir(), 'rtk-workbench-housekeeping-'));
  home = join(workDirectory, 'home');
  cifarFolder = writeCifar10(join(workDirectory, 'data'), { perBatch: 20, batches: 5, testCount: 20 }).folder;
  server = await startServer(home);
});

test.afterAll(async () => {
  if (server !== null) await stopServer(server.child);
  if (workDirectory !== '') await rm(workDirectory, { recursive: true, force: true });
});

test('delete an experiment with its confirmation, then rename and delete its dataset', async ({ page }) => {
  test.setTimeout(480_000);
  const problems = watchConsole(page);
  await open(page, '#/datasets/import');
  await page.getByTestId('import-source').fill(cifarFolder);
  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('health-report')).toBeVisible({ timeout: 120_000 });
  const datasetName = (await page.getByTestId('dataset-name').textContent())?.trim() ?? '';

  // A tiny experiment: its teacher starts training at once.
  await page.getByTestId('dataset-new-experiment').click();
  await expect(page.getByTestId('wizard-step-dataset')).toBeVisible();
  await page.getByLabel('Experiment name').fill('Throwaway');
  await page.getByTestId('wizard-next').click();
  await page.getByLabel('Train a new teacher here').check();
  await page.getByLabel('Teacher network').selectOption('resnet8');
  await page.getByTestId('wizard-next').click();
  await page.getByRole('radio', { name: 'ResNet-8', exact: true }).check();
  await page.getByTestId('wizard-next').click();
  for (const method of ['kd', 'at', 'afd'] as const) {
    await page.getByTestId(`method-${method}`).getByRole('checkbox').uncheck();
  }
  await page.getByTestId('wizard-next').click();
  await page.getByLabel('Quick look').check();
  await page.getByLabel('Epochs', { exact: true }).fill('20');
  await page.getByLabel('Training images to use').fill('100');
  await page.getByLabel('Test images to use').fill('20');
  await page.getByTestId('wizard-next').click();
  await page.getByTestId('wizard-start').click();
  await expect(page.getByTestId('experiment-name')).toContainText('Throwaway');
  await expect(page.getByTestId('run-row').first()).toHaveAttribute('data-status', 'running', {
    timeout: 120_000,
  });

  // While a run trains, the confirmation lists what would go but refuses; Escape closes it.
  const deleteExperiment = page.getByRole('button', { name: 'Delete experiment “Throwaway”' });
  await deleteExperiment.first().click();
  const dialog = page.getByTestId('deletion-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('heading')).toHaveText('Delete experiment “Throwaway”?');
  await expect(dialog.getByTestId('deletion-entries')).toContainText('3 runs');
  await expect(dialog.getByTestId('deletion-blockers')).toContainText('pause or cancel it first');
  await expect(dialog.getByRole('button', { name: 'Delete experiment' })).toBeDisabled();
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  for (let press = 0; press < 4; press += 1) {
    await page.keyboard.press('Tab');
    expect(await dialog.evaluate((element) => element.contains(document.activeElement))).toBe(true);
  }
  await expectLaidOut(page, 'the refused deletion');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(deleteExperiment.first()).toBeFocused();

  page.once('dialog', (question) => void question.accept());
  await page.getByTestId('experiment-cancel').click();
  await expect(page.getByTestId('experiment-status')).toHaveText('Cancelled', { timeout: 120_000 });

  // The dataset cannot go alone: its experiment is listed, and only the checkbox lets it go with it.
  await open(page, '#/datasets');
  await page.getByRole('link', { name: datasetName }).click();
  await page.getByRole('button', { name: `Delete dataset “${datasetName}”` }).click();
  await expect(dialog.getByTestId('deletion-dependents')).toContainText('experiment “Throwaway”');
  const confirmDataset = dialog.getByRole('button', { name: 'Delete dataset' });
  await expect(confirmDataset).toBeDisabled();
  await dialog.getByTestId('deletion-with-dependents').check();
  await expect(confirmDataset).toBeEnabled();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);

  // The experiment goes from the list, with its run folders, and the list updates without a reload.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Experiments' }).click();
  await expect(page.getByTestId('experiments-table')).toContainText('Throwaway');
  await page.getByRole('button', { name: 'Delete experiment “Throwaway”' }).click();
  await expect(dialog.getByTestId('deletion-folders')).toContainText(join(home, 'runs'));
  await dialog.getByRole('button', { name: 'Delete experiment' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(page.getByTestId('experiments-empty')).toBeVisible();
  expect(folderEntries('runs')).toEqual([]);

  // Rename the dataset from the list, then delete it from its page.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Datasets' }).click();
  await page.getByRole('button', { name: `Rename dataset “${datasetName}”` }).click();
  const rename = page.getByTestId('rename-dialog');
  await expect(page.getByTestId('rename-input')).toBeFocused();
  await page.getByTestId('rename-input').fill('   ');
  await rename.getByRole('button', { name: 'Rename dataset' }).click();
  await expect(page.getByTestId('rename-problem')).toHaveText('a name cannot be empty or blank');
  await page.getByTestId('rename-input').fill('  Tiny CIFAR  ');
  await rename.getByRole('button', { name: 'Rename dataset' }).click();
  await expect(rename).toHaveCount(0);
  await expect(page.getByTestId('datasets-table')).toContainText('Tiny CIFAR');
  await expect(page.getByTestId('datasets-table')).not.toContainText(datasetName);

  await page.getByRole('link', { name: 'Tiny CIFAR' }).click();
  await expect(page.getByTestId('dataset-name')).toHaveText('Tiny CIFAR');
  await page.getByRole('button', { name: 'Delete dataset “Tiny CIFAR”' }).click();
  await expect(dialog).toContainText('Nothing else goes with it.');
  await expect(dialog.getByTestId('deletion-folders')).toContainText(join(home, 'datasets'));
  await expectLaidOut(page, 'the dataset deletion');
  await dialog.getByRole('button', { name: 'Delete dataset' }).click();
  await expect(page.getByTestId('datasets-empty')).toBeVisible();
  expect(folderEntries('datasets')).toEqual([]);
  expect(readdirSync(cifarFolder).length).toBeGreaterThan(0);
  expect(problems).toEqual([]);
});

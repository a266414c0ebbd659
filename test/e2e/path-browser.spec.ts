import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { writeArchive } from '../fixtures/datasets/archives.js';
import { writeCifar10 } from '../fixtures/datasets/cifar.js';
import {
  openRoute,
  serverStartMilliseconds,
  startServer,
  stopServer,
  watchConsole,
} from './lab-server-process.js';
import type { LabServerProcess } from './lab-server-process.js';

let workDirectory = '';
let dataRoot = '';
let cifarFolder = '';
let cifarArchive = '';
let server: LabServerProcess | null = null;

async function openImportWizard(page: Page): Promise<void> {
  await openRoute(page, server, '#/datasets/import');
  await expect(page.getByTestId('import-source')).toBeVisible();
}

test.beforeAll(async () => {
  test.setTimeout(serverStartMilliseconds + 10_000);
  workDirectory = await realpath(await mkdtemp(join(tmpdir(), 'rtk-workbench-browse-')));
  dataRoot = join(workDirectory, 'data');
  cifarFolder = writeCifar10(dataRoot, { perBatch: 10, batches: 5, testCount: 10 }).folder;
  mkdirSync(join(dataRoot, 'other-folder'));
  // The archive holds other images than the folder, so its import is a new dataset, not "already imported".
  const archived = writeCifar10(join(workDirectory, 'to-archive'), {
    perBatch: 8,
    batches: 5,
    testCount: 12,
  });
  cifarArchive = writeArchive({
    output: join(dataRoot, 'other-folder', 'cifar-10-binary.tar.gz'),
    kind: 'tar.gz',
    add: [{ path: archived.folder, arcname: 'cifar-10-batches-bin' }],
  });
  writeFileSync(join(dataRoot, 'readme.txt'), 'not a dataset');
  writeFileSync(join(dataRoot, '.hidden-notes'), 'hidden');
  server = await startServer(join(workDirectory, 'home'), ['--browse-root', dataRoot]);
});

test.afterAll(async () => {
  if (server !== null) await stopServer(server.child);
  if (workDirectory !== '') await rm(workDirectory, { recursive: true, force: true });
});

test('the import path is chosen in the in-page folder browser and the import runs on it', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const problems = watchConsole(page);
  await openImportWizard(page);
  await page.getByTestId('import-source-browse').click();
  const browser = page.getByRole('dialog', { name: 'Choose a file or folder' });
  await expect(browser).toBeVisible();

  await browser.getByRole('combobox').selectOption(dataRoot);
  const entries = browser.getByRole('listbox', { name: 'Contents of this folder' });
  await expect(entries.getByRole('option')).toHaveText([
    /cifar-10-batches-bin/,
    /other-folder/,
    /readme\.txt/,
  ]);
  await expect(browser.getByRole('navigation', { name: 'Folder path' })).toContainText(dataRoot);
  await page.screenshot({ path: 'test-results/path-browser-0-root.png' });

  await entries.getByRole('option', { name: /cifar-10-batches-bin/ }).dblclick();
  await expect(entries.getByRole('option', { name: /data_batch_1\.bin/ })).toBeVisible();
  await expect(browser.getByTestId('import-source-browser-choice')).toContainText(cifarFolder);
  await page.screenshot({ path: 'test-results/path-browser-1-inside.png' });

  await browser.getByRole('button', { name: 'Up one folder' }).click();
  await entries.getByRole('option', { name: /cifar-10-batches-bin/ }).click();
  await expect(entries.getByRole('option', { name: /cifar-10-batches-bin/ })).toHaveAttribute(
    'aria-selected',
    'true',
  );
  await browser.getByRole('button', { name: 'Choose', exact: true }).click();
  await expect(browser).toBeHidden();
  await expect(page.getByTestId('import-source')).toHaveValue(cifarFolder);

  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-done')).toContainText('cifar10', { timeout: 120_000 });
  expect(problems).toEqual([]);
});

test('a typed path outside the browse roots is refused by name, and the browser opens on a root', async ({
  page,
}) => {
  const problems = watchConsole(page);
  await openImportWizard(page);
  await page.getByTestId('import-source').fill('/etc');
  await page.getByTestId('import-source-browse').click();
  const browser = page.getByRole('dialog', { name: 'Choose a file or folder' });
  await expect(browser.getByRole('alert')).toContainText(
    '/etc is outside the folders this workbench may browse',
  );
  await expect(browser.getByRole('alert')).toContainText(dataRoot);
  // The first root is the user's home folder, whose contents this test cannot know.
  await expect(browser.getByRole('navigation', { name: 'Folder path' }).locator('[aria-current]')).toHaveText(
    realpathSync(homedir()),
  );
  await page.screenshot({ path: 'test-results/path-browser-2-refused.png' });
  await browser.getByRole('button', { name: 'Cancel' }).click();
  await expect(browser).toBeHidden();
  await expect(page.getByTestId('import-source')).toHaveValue('/etc');
  expect(problems).toEqual([]);
});

test('a typed folder inside a root opens the browser there, and Enter on a file chooses it', async ({
  page,
}) => {
  const problems = watchConsole(page);
  await openImportWizard(page);
  await page.getByTestId('import-source').fill(dataRoot);
  await page.getByTestId('import-source-browse').click();
  const browser = page.getByRole('dialog', { name: 'Choose a file or folder' });
  const entries = browser.getByRole('listbox');
  await expect(entries.getByRole('option')).toHaveCount(3);
  await entries.focus();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(entries.getByRole('option', { name: /readme\.txt/ })).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Enter');
  await expect(browser).toBeHidden();
  await expect(page.getByTestId('import-source')).toHaveValue(join(dataRoot, 'readme.txt'));
  expect(problems).toEqual([]);
});

test('a CIFAR-10 .tar.gz, as it is downloaded, is chosen in the browser and imported without unpacking it first', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const problems = watchConsole(page);
  await openImportWizard(page);
  await page.getByTestId('import-source').fill(join(dataRoot, 'other-folder'));
  await page.getByTestId('import-source-browse').click();
  const browser = page.getByRole('dialog', { name: 'Choose a file or folder' });
  await browser
    .getByRole('listbox', { name: 'Contents of this folder' })
    .getByRole('option', { name: /cifar-10-binary\.tar\.gz/ })
    .click();
  await expect(browser.getByTestId('import-source-browser-choice')).toContainText(cifarArchive);
  await browser.getByRole('button', { name: 'Choose', exact: true }).click();
  await expect(browser).toBeHidden();
  await expect(page.getByTestId('import-source')).toHaveValue(cifarArchive);

  await page.getByTestId('import-start').click();
  await expect(page.getByTestId('import-done')).toContainText('Imported in', { timeout: 120_000 });
  await expect(page.getByTestId('import-done')).toContainText('cifar10');
  await expect(page.getByTestId('health-report')).toBeVisible();
  await expect(page.getByTestId('dataset-name')).toHaveText(/cifar-10/);
  expect(problems).toEqual([]);
});

import { defineConfig } from '@playwright/test';

/** End-to-end tests drive the system Chromium; Playwright never downloads a browser here. */
export default defineConfig({
  testDir: 'test/e2e',
  outputDir: 'test-results',
  reporter: 'list',
  workers: 1,
  retries: 0,
  // A stray test.only fails the run instead of silently skipping every other test.
  forbidOnly: true,
  timeout: 120_000,
  use: {
    trace: 'off',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: '/usr/bin/chromium',
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
            '--no-first-run',
          ],
        },
      },
    },
  ],
});

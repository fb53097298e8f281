import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from '../chromium';

/**
 * The card as Grafana draws it: global-setup.ts starts real redis-server nodes in every state and
 * cmd/demo (the plugin under the plugin host); the test opens cmd/demo's page in headless Debian
 * Chromium (apt-get install chromium). No Grafana server is involved.
 */
export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.ts$/,
  outputDir: '../../test-results/render-output',
  globalSetup: './global-setup.ts',
  globalTeardown: './global-teardown.ts',
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 20_000 },
  reporter: [['list']],
  use: {
    viewport: { width: 1500, height: 1000 },
    screenshot: 'only-on-failure',
    launchOptions: chromiumLaunchOptions,
  },
});

import { defineConfig } from '@playwright/test';
import { chromiumLaunchOptions } from '../chromium';

/**
 * The browser test of the editors: headless Debian Chromium (apt-get install chromium) opens
 * the harness page that build-harness.mjs bundles. No Grafana server is involved.
 */
const port = Number(process.env.HARNESS_PORT ?? 3917);

export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.ts$/,
  outputDir: '../../test-results/browser-output',
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  webServer: {
    command: 'node tests/browser/serve-harness.mjs',
    cwd: '../..',
    url: `http://127.0.0.1:${port}/index.html`,
    reuseExistingServer: false,
    env: { HARNESS_PORT: String(port) },
  },
  use: {
    baseURL: `http://127.0.0.1:${port}/`,
    viewport: { width: 1100, height: 900 },
    screenshot: 'only-on-failure',
    launchOptions: chromiumLaunchOptions,
  },
});

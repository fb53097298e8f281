import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests against the REAL Grafana server (scripts/grafana-server.sh, 10.0.0-preview)
 * and real redis-server nodes, through Grafana's HTTP API only: no browser (this Grafana build
 * has no frontend). `npm run e2e:grafana`.
 */
export default defineConfig({
  testDir: '.',
  testMatch: /.*\.spec\.ts$/,
  outputDir: '../../test-results/grafana-output',
  globalSetup: './global-setup.ts',
  globalTeardown: './global-teardown.ts',
  fullyParallel: true,
  workers: 4, // the alert tests mostly wait for Grafana's 10 s evaluations
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 180_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  projects: [
    { name: 'datasource', testMatch: /datasource\.spec\.ts$/ },
    // The alert tests change the shared nodes the data source tests expect as set up (repair the
    // failing rewrite, fill an AOF, stop the n/a node): they start only after those have passed.
    { name: 'alerts', testMatch: /alerts\.spec\.ts$/, dependencies: ['datasource'] },
  ],
});

/**
 * End-to-end tests against a running Grafana with this plugin installed (npm run e2e; needs
 * GRAFANA_URL, default http://localhost:3000, and a Redis node at REDIS_ADDRESS). Not part of
 * `make test` until that server exists; the editors' browser test is tests/browser.
 */
import { expect, test } from '@grafana/plugin-e2e';

import { MESSAGES } from '../../src/labels';
import { Selectors } from '../../src/selectors';

const PLUGIN_TYPE = 'persistwatch-redis-datasource';
const REDIS_ADDRESS = process.env.REDIS_ADDRESS ?? '127.0.0.1:6379';
const s = Selectors.config;

test('a new data source asks for a node', async ({ createDataSourceConfigPage, page }) => {
  await createDataSourceConfigPage({ type: PLUGIN_TYPE });
  await expect(page.getByTestId(s.nodes.listError)).toHaveText(MESSAGES.noNodes);
});

test('credentials in an address are refused inline', async ({ createDataSourceConfigPage, page }) => {
  await createDataSourceConfigPage({ type: PLUGIN_TYPE });
  await page.getByTestId(s.nodes.add).click();
  await page.getByTestId(s.nodes.address(0)).fill('redis://admin:hunter2@redis-1:6379');
  await expect(page.getByTestId(s.nodes.row(0))).toContainText('put the password in the Password field');
});

test('"Save & test" succeeds with a reachable node', async ({ createDataSourceConfigPage, page }) => {
  const configPage = await createDataSourceConfigPage({ type: PLUGIN_TYPE });
  await page.getByTestId(s.nodes.add).click();
  await page.getByTestId(s.nodes.address(0)).fill(REDIS_ADDRESS);
  await expect(configPage.saveAndTest()).toBeOK();
});

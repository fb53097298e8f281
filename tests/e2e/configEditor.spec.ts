/**
 * The configuration page in a real Grafana, against the docker-compose stack's Redis nodes (see
 * stack.ts). Run by CI's end-to-end matrix; `make test` only type-checks and lints this file.
 */
import { expect, test } from '@grafana/plugin-e2e';

import { MESSAGES } from '../../src/labels';
import { Selectors } from '../../src/selectors';
import { HEALTHY_ADDRESS, PLUGIN_TYPE, PROVISIONED, REDIS_PASSWORD } from './stack';

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

test('a new data source saves, and "Save & test" is green against the healthy node', async ({
  createDataSourceConfigPage,
  page,
}) => {
  const configPage = await createDataSourceConfigPage({ type: PLUGIN_TYPE });
  await page.getByTestId(s.nodes.add).click();
  await page.getByTestId(s.nodes.address(0)).fill(HEALTHY_ADDRESS);
  if (REDIS_PASSWORD) {
    await page.getByTestId(s.auth.password).fill(REDIS_PASSWORD);
  }
  await expect(configPage.saveAndTest()).toBeOK();
  await expect(configPage).toHaveAlert('success', { hasText: '1 of 1 Redis nodes answered INFO' });
});

test('the provisioned data source reaches all three compose nodes', async ({
  gotoDataSourceConfigPage,
  readProvisionedDataSource,
}) => {
  const ds = await readProvisionedDataSource({ fileName: PROVISIONED.datasource });
  const configPage = await gotoDataSourceConfigPage(ds.uid);
  await expect(configPage.saveAndTest()).toBeOK();
  await expect(configPage).toHaveAlert('success', { hasText: '3 of 3 Redis nodes answered INFO' });
});

/**
 * End-to-end tests of the query editor in a running Grafana (npm run e2e). They use the data
 * source provisioned from provisioning/datasources/datasources.yml.
 */
import { expect, test } from '@grafana/plugin-e2e';

import { QUERY_TEXT, QUERY_TYPE_TEXT } from '../../src/labels';

test('the query editor starts on the card and runs a query when the type changes', async ({
  panelEditPage,
  readProvisionedDataSource,
}) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await panelEditPage.datasource.set(ds.name);
  const row = panelEditPage.getQueryEditorRow('A');
  await expect(row.getByRole('radio', { name: QUERY_TYPE_TEXT.card.label })).toBeChecked();

  const request = panelEditPage.waitForQueryDataRequest();
  await row.getByRole('radio', { name: QUERY_TYPE_TEXT.raw.label }).click();
  await expect(await request).toBeTruthy();
});

test('alerting queries offer the metric', async ({ panelEditPage, readProvisionedDataSource }) => {
  const ds = await readProvisionedDataSource({ fileName: 'datasources.yml' });
  await panelEditPage.datasource.set(ds.name);
  const row = panelEditPage.getQueryEditorRow('A');
  await row.getByRole('radio', { name: QUERY_TYPE_TEXT.alerting.label }).click();
  await expect(row.getByLabel(QUERY_TEXT.metric)).toBeVisible();
});

/**
 * The query editor in a real Grafana runs each query type against the docker-compose stack's
 * nodes through the provisioned data source (see stack.ts). Run by CI's end-to-end matrix;
 * `make test` only type-checks and lints this file.
 */
import { expect, test } from '@grafana/plugin-e2e';

import { ALERT_METRIC_TEXT, QUERY_TEXT, QUERY_TYPE_TEXT } from '../../src/labels';
import { byNode, framesOf, frameNamed, NODE_NAMES, PROVISIONED, queryResponse } from './stack';

test.beforeEach(async ({ panelEditPage, readProvisionedDataSource }) => {
  const ds = await readProvisionedDataSource({ fileName: PROVISIONED.datasource });
  await panelEditPage.datasource.set(ds.name);
});

test('card, the default type, answers one row per node with its status', async ({ panelEditPage }) => {
  const row = panelEditPage.getQueryEditorRow('A');
  await expect(row.getByRole('radio', { name: QUERY_TYPE_TEXT.card.label })).toBeChecked();

  const card = frameNamed(await framesOf(await panelEditPage.refreshPanel()), 'card');
  const status = byNode(card, 'status');
  expect(Object.keys(status).sort()).toEqual([...NODE_NAMES].sort());
  expect(status.healthy).toBe('ok');
  expect(status['aof-off']).toBe('n/a');
  // ok until the stack's driver has made its first rewrite fail (the dashboard spec waits for err).
  expect(['ok', 'err']).toContain(status['failing-rewrites']);
});

test('sibling cards answer what Redis knows beside the AOF', async ({ panelEditPage, page }) => {
  const row = panelEditPage.getQueryEditorRow('A');
  const response = page.waitForResponse(queryResponse({ queryType: 'siblings' }));
  await row.getByRole('radio', { name: QUERY_TYPE_TEXT.siblings.label }).click();

  const usedMemory = byNode(frameNamed(await framesOf(await response), 'siblings'), 'used_memory');
  expect(Object.keys(usedMemory).sort()).toEqual([...NODE_NAMES].sort());
  for (const node of NODE_NAMES) {
    expect(usedMemory[node], node).toBeGreaterThan(0);
  }
});

test('alerting series answer one series per node for the chosen metric', async ({ panelEditPage, page }) => {
  const row = panelEditPage.getQueryEditorRow('A');
  await row.getByRole('radio', { name: QUERY_TYPE_TEXT.alerting.label }).click();

  const response = page.waitForResponse(queryResponse({ queryType: 'alerting', metric: 'aof_rewrite_ok' }));
  await row.getByLabel(QUERY_TEXT.metric).click();
  await page.getByText(ALERT_METRIC_TEXT.aof_rewrite_ok.label, { exact: true }).click();

  // One frame per node: its value field carries the node's labels.
  const frames = (await framesOf(await response)).filter((frame) => frame.schema.name === 'aof_rewrite_ok');
  const values = Object.fromEntries(
    frames.map((frame) => {
      const index = frame.schema.fields.findIndex((field) => field.name === 'aof_rewrite_ok');
      return [frame.schema.fields[index]?.labels?.node, frame.data.values[index]?.[0]];
    })
  );
  expect(Object.keys(values).sort()).toEqual([...NODE_NAMES].sort());
  expect(values.healthy).toBe(1);
  // AOF off is no value, never 0 or 1.
  expect(values['aof-off']).toBeNull();
});

test('raw fields answer INFO persistence as Redis prints it', async ({ panelEditPage, page }) => {
  const row = panelEditPage.getQueryEditorRow('A');
  const response = page.waitForResponse(queryResponse({ queryType: 'raw' }));
  await row.getByRole('radio', { name: QUERY_TYPE_TEXT.raw.label }).click();

  const raw = frameNamed(await framesOf(await response), 'raw');
  expect(byNode(raw, 'aof_enabled')).toEqual({ healthy: 1, 'failing-rewrites': 1, 'aof-off': 0 });
  expect(byNode(raw, 'aof_last_bgrewrite_status')).toMatchObject({ healthy: 'ok' });
});

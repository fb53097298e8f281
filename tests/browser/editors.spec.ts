import { expect, Page, test } from '@playwright/test';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { CONFIG_TEXT, MESSAGES, QUERY_TEXT, QUERY_TYPE_TEXT } from '../../src/labels';
import { Selectors } from '../../src/selectors';

const root = join(__dirname, '..', '..');
const shots = join(root, 'test-results', 'browser');
mkdirSync(shots, { recursive: true });

/** Saves a screenshot under test-results/browser; with UPDATE_DOCS=1 also as docs/<docsName>. */
async function screenshot(page: Page, name: string, docsName?: string) {
  const path = join(shots, `${name}.png`);
  await page.getByTestId('harness-ready').screenshot({ path });
  if (docsName && process.env.UPDATE_DOCS === '1') {
    mkdirSync(join(root, 'docs'), { recursive: true });
    copyFileSync(path, join(root, 'docs', docsName));
  }
}

async function open(page: Page, search: string) {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`index.html?${search}`);
  await expect(page.getByTestId('harness-ready')).toBeVisible();
  return errors;
}

async function state<T>(page: Page, testId: string): Promise<T> {
  return JSON.parse((await page.getByTestId(testId).textContent()) ?? 'null');
}

const c = Selectors.config;
const q = Selectors.query;

for (const theme of ['dark', 'light'] as const) {
  test(`configuration page: add a node, see validation and secrets (${theme})`, async ({ page }) => {
    const errors = await open(page, `view=config&theme=${theme}`);

    await expect(page.getByText(CONFIG_TEXT.nodes.title)).toBeVisible();
    await expect(page.getByTestId(c.nodes.address(0))).toHaveValue('redis-1:6379');
    // A stored password is never shown back: the field says "configured" and offers Reset.
    await expect(page.getByTestId(c.auth.password)).toHaveValue('configured');
    await expect(page.getByTestId(c.auth.password)).toBeDisabled();

    await page.getByTestId(c.nodes.add).click();
    await page.getByTestId(c.nodes.address(1)).fill('redis://admin:hunter2@redis-2:6379');
    await expect(page.getByTestId(c.nodes.row(1))).toContainText('put the password in the Password field');
    await expect(page.getByTestId(c.nodes.row(1))).not.toContainText('hunter2');

    await page.getByTestId(c.nodes.address(1)).fill('redis-1:6379');
    await expect(page.getByText(MESSAGES.duplicate('redis-1:6379', 1))).toBeVisible();

    await page.getByTestId(c.nodes.address(1)).fill('rediss://redis-2:6380');
    await page.getByTestId(c.nodes.name(1)).fill('cache-replica');
    await expect(page.getByTestId(c.nodes.row(1)).locator('[role="alert"]')).toHaveCount(0);

    // A rediss:// node makes the TLS settings relevant.
    await page.getByRole('button', { name: `Expand section ${CONFIG_TEXT.tls.title}` }).click();
    await expect(page.getByText(CONFIG_TEXT.tls.rediss)).toBeVisible();
    // The field label toggles the switch, as a user would click it.
    await page.getByText(CONFIG_TEXT.tls.skipVerify.label, { exact: true }).click();
    await expect(page.getByTestId(c.tls.skipVerify)).toBeChecked();
    await expect(page.getByTestId(c.tls.skipVerifyWarning)).toBeVisible();

    await page.getByTestId(c.auth.username).fill('monitor');

    const options = await state<{ jsonData: Record<string, unknown>; secureJsonData?: Record<string, string> }>(
      page,
      'harness-options'
    );
    expect(options.jsonData).toEqual({
      nodes: [
        { address: 'redis-1:6379', name: 'cache-primary' },
        { address: 'rediss://redis-2:6380', name: 'cache-replica' },
      ],
      tlsSkipVerify: true,
      username: 'monitor',
    });
    expect(options.secureJsonData).toBeUndefined();

    await screenshot(page, `config-editor-${theme}`, theme === 'dark' ? 'config-editor.png' : undefined);
    expect(errors).toEqual([]);
  });

  test(`query editor: pick a query type, a node and a metric (${theme})`, async ({ page }) => {
    const errors = await open(page, `view=query&theme=${theme}`);
    const editor = page.getByTestId(q.editor);

    await expect(editor.getByText(QUERY_TYPE_TEXT.card.description)).toBeVisible();
    await expect(editor.getByTestId(q.metric)).toHaveCount(0);

    await editor.getByRole('radio', { name: QUERY_TYPE_TEXT.alerting.label }).click();
    await expect(page.getByTestId(q.queryTypeHelp)).toHaveText(QUERY_TYPE_TEXT.alerting.description);
    await expect(editor.getByTestId(q.metric)).toBeVisible();

    await editor.getByTestId(q.nodes).getByRole('combobox').click();
    await page.getByText('cache-replica', { exact: true }).click();
    await page.keyboard.press('Escape');

    await page.getByLabel(QUERY_TEXT.metric).click();
    await page.getByText('Consecutive rewrite failures', { exact: true }).click();
    await expect(page.getByLabel(QUERY_TEXT.metric)).toHaveValue('Consecutive rewrite failures');

    // The combobox shows the choice before its onChange has reached the harness: poll the state.
    type Harness = { query: object; runs: number; changes: object[]; requests: string[] };
    await expect
      .poll(async () => (await state<Harness>(page, 'harness-query')).query)
      .toEqual({
        refId: 'A',
        queryType: 'alerting',
        nodes: ['cache-replica'],
        metric: 'aof_rewrites_consecutive_failures',
      });
    const result = await state<Harness>(page, 'harness-query');
    // One change and one run per choice: type, node, metric.
    expect(result.changes).toHaveLength(3);
    expect(result.runs).toBe(3);
    expect(result.requests).toEqual(['GET /api/datasources/uid/redis-uid/resources/nodes']);

    await screenshot(page, `query-editor-${theme}`, theme === 'dark' ? 'query-editor.png' : undefined);
    expect(errors).toEqual([]);
  });
}

test('query editor: a card panel picks the fields it shows', async ({ page }) => {
  const errors = await open(page, 'view=query&theme=dark');
  const editor = page.getByTestId(q.editor);
  for (const field of ['rewrite_in_progress', 'status']) {
    await editor.getByTestId(q.fields).getByRole('combobox').click();
    await page.getByText(field, { exact: true }).click();
    await page.keyboard.press('Escape');
  }
  type Harness = { query: object; runs: number };
  // In frame order, whatever the order they were picked in.
  await expect
    .poll(async () => (await state<Harness>(page, 'harness-query')).query)
    .toEqual({ refId: 'A', queryType: 'card', nodes: [], fields: ['status', 'rewrite_in_progress'] });
  expect((await state<Harness>(page, 'harness-query')).runs).toBe(2);
  await screenshot(page, 'query-editor-fields', 'query-editor-fields.png');

  await editor.getByRole('radio', { name: QUERY_TYPE_TEXT.alerting.label }).click();
  await expect(editor.getByTestId(q.fields)).toHaveCount(0);
  await expect
    .poll(async () => (await state<Harness>(page, 'harness-query')).query)
    .toEqual({ refId: 'A', queryType: 'alerting', nodes: [] });
  expect(errors).toEqual([]);
});

test('query editor: explains a failing nodes resource', async ({ page }) => {
  await open(page, 'view=query&theme=dark&nodes=fail');
  await expect(page.getByTestId(q.nodesError)).toContainText(
    MESSAGES.nodesLoadFailed('HTTP 500: settings nodes: is empty')
  );
  await screenshot(page, 'query-editor-nodes-error');
});

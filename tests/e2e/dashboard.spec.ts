/**
 * The provisioned dashboard in a real Grafana: the "Last AOF Rewrite Status" card of each
 * docker-compose node shows the spec's text and colour (see stack.ts). Run by CI's end-to-end
 * matrix; `make test` only type-checks and lints this file.
 */
import { expect, test } from '@grafana/plugin-e2e';

import { backgroundOf, colourFamily, NODES, PROVISIONED } from './stack';

const CARD_TITLE = 'Last AOF Rewrite Status';

for (const node of NODES) {
  test(`the card of ${node.name} shows ${node.text} in ${node.colour}`, async ({
    gotoDashboardPage,
    readProvisionedDashboard,
    page,
  }) => {
    // The failing-rewrites card turns ERR only once the stack's driver has made a rewrite fail.
    test.setTimeout(180_000);
    const dashboard = await readProvisionedDashboard({ fileName: PROVISIONED.dashboard });
    const dashboardPage = await gotoDashboardPage({
      uid: dashboard.uid,
      queryParams: new URLSearchParams({ 'var-node': node.name }),
    });
    const card = dashboardPage.getPanelByTitle(CARD_TITLE);

    await expect(async () => {
      await page.reload();
      const value = card.locator.getByText(node.text, { exact: true });
      await expect(value).toBeVisible();
      expect(colourFamily(await backgroundOf(value))).toBe(node.colour);
    }).toPass({ timeout: 150_000, intervals: [5_000] });
  });
}

/**
 * The provisioned "AOF rewrite failing" rule fires, in a real Grafana, for the docker-compose
 * node whose rewrites fail and for no other (see stack.ts). Read from Grafana's Prometheus-style
 * rules API. Run by CI's end-to-end matrix; `make test` only type-checks and lints this file.
 */
import { expect, test } from '@grafana/plugin-e2e';
import type { APIRequestContext } from '@playwright/test';

import { PROVISIONED } from './stack';

interface RulesResponse {
  data: {
    groups: Array<{
      rules: Array<{ name: string; alerts?: Array<{ state: string; labels: Record<string, string> }> }>;
    }>;
  };
}

/** The nodes the rule is firing for, or what kept the answer from saying so. */
async function firingNodes(request: APIRequestContext, title: string): Promise<string[]> {
  const response = await request.get('/api/prometheus/grafana/api/v1/rules');
  if (!response.ok()) {
    return [`rules API: HTTP ${response.status()}`];
  }
  const body = (await response.json()) as RulesResponse;
  const rules = body.data.groups.flatMap((group) => group.rules).filter((rule) => rule.name === title);
  if (rules.length !== 1) {
    return [`${rules.length} rules titled ${title}`];
  }
  return (rules[0].alerts ?? [])
    .filter((alert) => alert.state.startsWith('Alerting'))
    .map((alert) => alert.labels.node)
    .sort();
}

test('"AOF rewrite failing" fires for the failing-rewrites node only', async ({ readProvisionedAlertRule, page }) => {
  // The first rewrite fails within a minute of the stack starting; the rule then waits its 30 s.
  test.setTimeout(240_000);
  const rule = await readProvisionedAlertRule({ fileName: PROVISIONED.alerting, ruleTitle: 'AOF rewrite failing' });

  await expect
    .poll(() => firingNodes(page.request, rule.title), { timeout: 210_000, intervals: [5_000] })
    .toEqual(['failing-rewrites']);
});

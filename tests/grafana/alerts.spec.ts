import { expect, test } from '@playwright/test';
import { grafanaApi, RuleAlert, ruleAlerts } from './api';
import { client, killGroup, repairRewrite, sleep } from './redis';
import { readState } from './state';

const INTERVAL_MS = 10_000; // the provisioned group's evaluation interval
const SLACK_MS = 10_000; // a loaded CI machine

const stateOf = (alerts: RuleAlert[], node: string) => alerts.find((a) => a.labels.node === node)?.state;

test('AOF rewrite failing fires for the err node only, resolves after a good rewrite; unreachable fires', async () => {
  const api = await grafanaApi();
  const state = readState();
  const rules = ['AOF rewrite failing', 'AOF rewrite stuck', 'AOF write failing', 'Redis node unreachable'];

  // 1. Until the err node fires: nothing else may ever be Pending or Alerting.
  let pendingAt = 0;
  let firingAt = 0;
  const deadline = Date.now() + 30_000 + 3 * INTERVAL_MS + 60_000; // first evaluation, for: 30s, slack
  while (!firingAt) {
    expect(Date.now(), 'AOF rewrite failing never fired for failing-rewrites').toBeLessThan(deadline);
    for (const rule of rules) {
      const alerts = await ruleAlerts(api, rule);
      for (const a of alerts) {
        const firingOrPending = a.state.startsWith('Alerting') || a.state.startsWith('Pending');
        if (rule === 'AOF rewrite failing' && a.labels.node === 'failing-rewrites') {
          if (a.state.startsWith('Pending') && !pendingAt) {
            pendingAt = Date.now();
          }
          if (a.state.startsWith('Alerting')) {
            firingAt = Date.now();
          }
        } else {
          expect(firingOrPending, `${rule} on ${a.labels.node}: ${a.state}`).toBe(false);
        }
      }
    }
    await sleep(1000);
  }
  // for: 30s, then Alerting within two evaluation intervals.
  expect(firingAt - (pendingAt || firingAt)).toBeLessThanOrEqual(30_000 + 2 * INTERVAL_MS + SLACK_MS);

  // 2. Remove the cause (the held rewrite's delay), rewrite successfully; stop the n/a node.
  const r = client(state.nodes['failing-rewrites'].port);
  await repairRewrite(r);
  r.disconnect();
  killGroup(state.nodes['aof-off'].pid);
  const fixedAt = Date.now();

  let normalAt = 0;
  let unreachableAt = 0;
  while (!normalAt || !unreachableAt) {
    const failing = await ruleAlerts(api, 'AOF rewrite failing');
    if (!normalAt && stateOf(failing, 'failing-rewrites')?.startsWith('Normal')) {
      normalAt = Date.now();
    }
    const unreachable = await ruleAlerts(api, 'Redis node unreachable');
    if (!unreachableAt && stateOf(unreachable, 'aof-off')?.startsWith('Alerting')) {
      unreachableAt = Date.now();
    }
    expect(stateOf(unreachable, 'healthy')).toMatch(/^Normal/);
    expect(stateOf(failing, 'aof-off') ?? 'Normal').toMatch(/^Normal/);
    expect(Date.now() - fixedAt, `normal=${normalAt} unreachable=${unreachableAt}`).toBeLessThan(
      30_000 + 3 * INTERVAL_MS + SLACK_MS
    );
    await sleep(1000);
  }
  expect(normalAt - fixedAt).toBeLessThanOrEqual(2 * INTERVAL_MS + SLACK_MS);
  await api.dispose();
});

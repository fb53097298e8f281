import { expect, test } from '@playwright/test';
import { grafanaApi, RuleAlert, ruleAlerts } from './api';
import { client, infoField, killGroup, raiseFileSizeLimit, repairRewrite, sleep, writeErr } from './redis';
import { readState } from './state';

const INTERVAL_MS = 10_000; // the provisioned group's evaluation interval
const SLACK_MS = 10_000; // a loaded CI machine

const RULES = ['AOF rewrite failing', 'AOF rewrite stuck', 'AOF write failing', 'Redis node unreachable'];

const stateOf = (alerts: RuleAlert[], node: string) => alerts.find((a) => a.labels.node === node)?.state;

// The tests share the provisioned nodes and build on each other's end state: the write-error test
// reuses failing-rewrites once its rewrite alert has resolved, and finds aof-off stopped. One
// worker, in file order; a failure skips the rest.
test.describe.configure({ mode: 'serial' });

test('AOF rewrite failing fires for the err node only, resolves after a good rewrite; unreachable fires', async () => {
  const api = await grafanaApi();
  const state = readState();
  const rules = RULES;

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

  // The n/a node (AOF off, stale aof_last_write_status:err from the setup) has been evaluated
  // all along and was never Pending or Alerting for AOF write failing (checked above).
  expect(stateOf(await ruleAlerts(api, 'AOF write failing'), 'aof-off') ?? 'Normal').toMatch(/^Normal/);

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

test('AOF write failing fires for the node whose AOF writes fail, that node only, and resolves once they succeed', async () => {
  const api = await grafanaApi();
  const node = readState().nodes['failing-rewrites']; // its rewrite alert resolved in the test above
  const isTarget = (rule: string, n: string) => rule === 'AOF write failing' && n === 'failing-rewrites';
  // aof-off was stopped by the test above: its unreachable alert is the only other one that may fire.
  const isStopped = (rule: string, n: string) => rule === 'Redis node unreachable' && n === 'aof-off';

  /** One look at every rule: no instance but the target's may be Pending or Alerting. */
  const look = async () => {
    let target: string | undefined;
    for (const rule of RULES) {
      for (const a of await ruleAlerts(api, rule)) {
        if (isTarget(rule, a.labels.node)) {
          target = a.state;
        } else if (!isStopped(rule, a.labels.node)) {
          const firingOrPending = a.state.startsWith('Alerting') || a.state.startsWith('Pending');
          expect(firingOrPending, `${rule} on ${a.labels.node}: ${a.state}`).toBe(false);
        }
      }
    }
    expect(target, 'no AOF write failing instance for failing-rewrites').toBeDefined();
    return target!;
  };

  const r = client(node.port);
  expect(await infoField(r, 'aof_last_write_status')).toBe('ok');
  expect(await look()).toMatch(/^Normal/);

  // 1. A real write error: append until the AOF file hits the node's file-size limit (EFBIG).
  await writeErr(r);
  const errAt = Date.now();
  let pendingAt = 0;
  let firingAt = 0;
  while (!firingAt) {
    expect(Date.now() - errAt, 'AOF write failing never fired for failing-rewrites').toBeLessThan(
      2 * INTERVAL_MS + SLACK_MS + 30_000
    );
    const state = await look();
    if (state.startsWith('Pending') && !pendingAt) {
      pendingAt = Date.now();
    }
    if (state.startsWith('Alerting')) {
      firingAt = Date.now();
    }
    expect(await infoField(r, 'aof_last_write_status'), 'the write error cleared by itself').toBe('err');
    await sleep(1000);
  }
  // for: 10s is one interval: Alerting on the second evaluation that sees err.
  expect(firingAt - errAt, `Pending after ${pendingAt ? pendingAt - errAt : '-'} ms`).toBeLessThanOrEqual(
    2 * INTERVAL_MS + SLACK_MS
  );

  // 2. Remove the cause as freeing disk space would: lift the limit. Redis's own retry of the
  // pending append succeeds; AOF stays on, so the rule resolves on a real ok, not on null.
  await raiseFileSizeLimit(r, node.pid);
  expect(await r.set('e2e:after-write-err', 'ok')).toBe('OK');
  expect(await infoField(r, 'aof_enabled')).toBe('1');
  r.disconnect();
  const fixedAt = Date.now();

  let normalAt = 0;
  while (!normalAt) {
    expect(Date.now() - fixedAt, 'AOF write failing never resolved for failing-rewrites').toBeLessThan(
      2 * INTERVAL_MS + SLACK_MS + 30_000
    );
    if ((await look()).startsWith('Normal')) {
      normalAt = Date.now();
    }
    await sleep(1000);
  }
  expect(normalAt - fixedAt).toBeLessThanOrEqual(2 * INTERVAL_MS + SLACK_MS);
  await api.dispose();
});

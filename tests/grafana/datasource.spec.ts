import { APIRequestContext, expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DS_UID, dsQuery, fieldValue, Frame, getJson, grafanaApi, PLUGIN_ID } from './api';
import { readState } from './state';

/** What the card says for each provisioned node, as the global setup drove them. */
const expected: Record<string, { status: string; text: string }> = {
  healthy: { status: 'ok', text: 'OK' },
  'failing-rewrites': { status: 'err', text: 'ERR' },
  'aof-off': { status: 'n/a', text: 'N/A' },
};

let api: APIRequestContext;
test.beforeAll(async () => {
  api = await grafanaApi();
});
test.afterAll(async () => {
  await api.dispose();
});

test('the plugin is loaded as a backend data source', async () => {
  const settings = await getJson(api, `/api/plugins/${PLUGIN_ID}/settings`);
  expect(settings.id).toBe(PLUGIN_ID);
  expect(settings.type).toBe('datasource');
  const list = await getJson(api, '/api/plugins?type=datasource');
  expect(list.map((p: { id: string }) => p.id)).toContain(PLUGIN_ID);
});

test('the provisioned data source passes health with every node', async () => {
  const health = await getJson(api, `/api/datasources/uid/${DS_UID}/health`);
  expect(health.status).toBe('OK');
  expect(health.message).toContain('3 of 3 Redis nodes answered');
});

test('every provisioned dashboard panel answers per node, with the right card status', async () => {
  const dash = (await getJson(api, '/api/dashboards/uid/redis-persistence-aof')).dashboard;
  const panels = dash.panels.filter((p: { targets?: unknown[] }) => p.targets?.length);
  expect(panels.length).toBeGreaterThan(5);
  for (const node of Object.keys(expected)) {
    for (const panel of panels) {
      // $node is applied in the browser (applyTemplateVariables), never server-side: do it here.
      const queries = JSON.parse(JSON.stringify(panel.targets).replaceAll('"$node"', JSON.stringify(node)));
      const results = await dsQuery(api, queries);
      for (const q of queries) {
        const r = results[q.refId];
        expect(r.error, `${panel.title} / ${node}`).toBeUndefined();
        expect(r.frames?.length, `${panel.title} / ${node}`).toBeGreaterThan(0);
        if (q.live) {
          // The browser streams a live target over Grafana Live (not reachable over this HTTP
          // API); /api/ds/query answers it with one growth sample: time, then per node
          // "<node> current", "<node> base" and "<node> status", labelled with the node.
          const fields = r.frames![0].schema.fields;
          expect(
            fields.map((f) => f.name),
            `${panel.title} / ${node}`
          ).toEqual(['time', `${node} current`, `${node} base`, `${node} status`]);
          expect(fields[1].labels?.node).toBe(node);
          expect(fieldValue(r.frames, `${node} status`), `${panel.title} / ${node}`).toBe(expected[node].status);
          continue;
        }
        expect(fieldValue(r.frames, 'node'), `${panel.title} / ${node}`).toBe(node);
        if (q.queryType === 'card') {
          const status = fieldValue(r.frames, 'status') as string;
          expect(status, `${panel.title} / ${node}`).toBe(expected[node].status);
          if (panel.title === 'Last AOF Rewrite Status') {
            const mapped = panel.fieldConfig.defaults.mappings.find((m: { type: string }) => m.type === 'value')
              .options[status];
            expect(mapped.text).toBe(expected[node].text);
          }
        }
      }
    }
  }
});

async function createDataSource(name: string, port: number, password: string): Promise<string> {
  const res = await api.post('/api/datasources', {
    data: {
      name,
      type: PLUGIN_ID,
      access: 'proxy',
      jsonData: { nodes: [{ name, address: `127.0.0.1:${port}` }], connectTimeoutMs: 2000, readTimeoutMs: 2000 },
      secureJsonData: password ? { password } : {},
    },
  });
  expect(res.status(), await res.text()).toBe(200);
  return (await res.json()).datasource.uid;
}

test('a rewrite in progress shows the previous result and the running flag', async () => {
  const uid = await createDataSource('rewriting', readState().nodes.rewriting.port, '');
  const results = await dsQuery(api, [{ refId: 'A', datasource: { uid }, queryType: 'card', nodes: ['rewriting'] }]);
  const frames = results.A.frames as Frame[];
  expect(fieldValue(frames, 'rewrite_in_progress')).toBe(true);
  expect(fieldValue(frames, 'status')).toBe('ok');
});

test('a wrong password fails health readably and no password reaches the log', async () => {
  const state = readState();
  const port = state.nodes['with-password'].port;
  const wrong = 'e2e-wrong-password-91c2';
  const bad = await createDataSource('locked-wrong', port, wrong);
  const res = await api.get(`/api/datasources/uid/${bad}/health`);
  const body = await res.json();
  expect(body.status).toBe('ERROR');
  expect(body.message).toMatch(/auth|password/i);
  expect(JSON.stringify(body)).not.toContain(wrong);

  const good = await createDataSource('locked-right', port, state.redisPassword);
  expect((await getJson(api, `/api/datasources/uid/${good}/health`)).status).toBe('OK');

  const log = readFileSync(join(state.grafanaStateDir, 'grafana.log'), 'utf8');
  expect(log).toContain(PLUGIN_ID); // the log is Grafana's and covers the plugin
  expect(log).not.toContain(wrong);
  expect(log).not.toContain(state.redisPassword);
});

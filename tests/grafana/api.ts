import { APIRequestContext, expect, request } from '@playwright/test';
import { readState } from './state';

export const DS_UID = 'redis-persistence';
export const PLUGIN_ID = 'persistwatch-redis-datasource';

/** An API request context logged in as Grafana's admin (basic auth). */
export async function grafanaApi(): Promise<APIRequestContext> {
  const { grafanaUrl } = readState();
  return request.newContext({
    baseURL: grafanaUrl,
    extraHTTPHeaders: {
      Authorization: `Basic ${Buffer.from(`admin:${process.env.GF_ADMIN_PASSWORD ?? 'admin'}`).toString('base64')}`,
    },
  });
}

export async function getJson(api: APIRequestContext, path: string) {
  const res = await api.get(path);
  expect(res.status(), `${path}: ${await res.text()}`).toBe(200);
  return res.json();
}

export interface Frame {
  schema: { name?: string; fields: Array<{ name: string; labels?: Record<string, string> }> };
  data: { values: unknown[][] };
}

/** Sends targets through /api/ds/query as the browser would; returns results by refId. */
export async function dsQuery(api: APIRequestContext, queries: object[]) {
  const res = await api.post('/api/ds/query', { data: { queries, from: 'now-5m', to: 'now' } });
  const body = await res.json();
  expect(res.status(), JSON.stringify(body)).toBe(200);
  return body.results as Record<string, { frames?: Frame[]; error?: string; status?: number }>;
}

/** Value of field `name` in the first row of the first frame that has it. */
export function fieldValue(frames: Frame[] | undefined, name: string): unknown {
  for (const f of frames ?? []) {
    const i = f.schema.fields.findIndex((x) => x.name === name);
    if (i >= 0) {
      return f.data.values[i]?.[0];
    }
  }
  return undefined;
}

export interface RuleAlert {
  labels: Record<string, string>;
  state: string;
}

/** Alert instances of a rule (by title) from Grafana's Prometheus-compatible rules API. */
export async function ruleAlerts(api: APIRequestContext, title: string): Promise<RuleAlert[]> {
  const body = await getJson(api, '/api/prometheus/grafana/api/v1/rules');
  for (const g of body.data.groups) {
    for (const r of g.rules) {
      if (r.name === title) {
        return r.alerts ?? [];
      }
    }
  }
  throw new Error(`rule ${title} not found`);
}

/**
 * What the docker-compose.yaml stack gives the end-to-end specs, and helpers to read Grafana's
 * answers. The specs run in CI's matrix (.github/workflows/ci.yml) against that stack, one Grafana
 * version per job; `make test` only type-checks and lints them.
 */
import { expect, type Locator, type Response } from '@playwright/test';

import type { RedisQuery } from '../../src/types';

export const PLUGIN_TYPE = 'persistwatch-redis-datasource';

/** Files under provisioning/ that the stack's Grafana loaded. */
export const PROVISIONED = {
  datasource: 'datasources.yml',
  dashboard: 'redis-persistence.json',
  alerting: 'redis-persistence.yml',
};

/**
 * The compose nodes in provisioning order, and the card each one must show: the spec's three
 * colours (ok green, err red, AOF off grey n/a).
 */
export const NODES = [
  { name: 'healthy', status: 'ok', text: 'OK', colour: 'green' },
  { name: 'failing-rewrites', status: 'err', text: 'ERR', colour: 'red' },
  { name: 'aof-off', status: 'n/a', text: 'N/A', colour: 'grey' },
] as const;

export const NODE_NAMES = NODES.map((node) => node.name);

/** The healthy node as the plugin, inside the Grafana container, dials it. */
export const HEALTHY_ADDRESS = process.env.REDIS_HEALTHY_ADDR ?? 'redis-healthy:6379';

/** The stack's `REDIS_PASSWORD` (empty: the nodes have no requirepass). */
export const REDIS_PASSWORD = process.env.REDIS_PASSWORD ?? '';

export interface Frame {
  schema: { name?: string; fields: Array<{ name: string; labels?: Record<string, string> }> };
  data: { values: unknown[][] };
}

/** A predicate for the /api/ds/query response to a query with these fields. */
export function queryResponse(want: Partial<RedisQuery>) {
  return (response: Response): boolean => {
    if (!response.url().includes('/api/ds/query')) {
      return false;
    }
    const body = response.request().postDataJSON() as { queries?: Array<Record<string, unknown>> } | null;
    const sent = body?.queries?.[0] ?? {};
    return Object.entries(want).every(([key, value]) => sent[key] === value);
  };
}

/** The frames of query A in a /api/ds/query response, which must have succeeded. */
export async function framesOf(response: Response): Promise<Frame[]> {
  const text = await response.text();
  expect(response.status(), text).toBe(200);
  const body = JSON.parse(text) as { results: Record<string, { frames?: Frame[]; error?: string }> };
  expect(body.results.A?.error, text).toBeUndefined();
  return body.results.A?.frames ?? [];
}

/** The one frame with this name. */
export function frameNamed(frames: Frame[], name: string): Frame {
  const found = frames.filter((frame) => frame.schema.name === name);
  expect(found, `frames named ${name}`).toHaveLength(1);
  return found[0];
}

/** Column `field` of a frame keyed by its `node` column. */
export function byNode(frame: Frame, field: string): Record<string, unknown> {
  const names = frame.schema.fields.map((f) => f.name);
  const nodeIndex = names.indexOf('node');
  const fieldIndex = names.indexOf(field);
  expect(fieldIndex, `field ${field} in ${names.join(', ')}`).toBeGreaterThanOrEqual(0);
  const nodes = frame.data.values[nodeIndex] as string[];
  return Object.fromEntries(nodes.map((node, row) => [node, frame.data.values[fieldIndex][row]]));
}

export type ColourFamily = 'green' | 'red' | 'grey' | 'other';

/**
 * The colour family of a CSS colour (the first one in a gradient). Grafana derives a stat card's
 * background from the mapped colour (a gradient of two shades in "background" mode, shades that
 * differ between versions), so the card is judged by hue, and grey by the absence of saturation at
 * a middle lightness.
 */
export function colourFamily(css: string): ColourFamily {
  const match = css.match(/rgba?\((\d+),\s*(\d+),\s*(\d+)/);
  if (!match) {
    return 'other';
  }
  const [r, g, b] = match.slice(1, 4).map((channel) => Number(channel) / 255);
  const max = Math.max(r, g, b);
  const min = Math.min(r, g, b);
  const delta = max - min;
  const lightness = (max + min) / 2;
  const saturation = delta === 0 ? 0 : delta / (1 - Math.abs(max + min - 1));
  if (saturation < 0.1) {
    // A panel's own near-black or near-white background is no grey card.
    return lightness >= 0.2 && lightness <= 0.8 ? 'grey' : 'other';
  }
  let hue = max === r ? ((g - b) / delta) % 6 : max === g ? (b - r) / delta + 2 : (r - g) / delta + 4;
  hue = (hue * 60 + 360) % 360;
  if (hue >= 75 && hue <= 165) {
    return 'green';
  }
  if (hue <= 20 || hue >= 340) {
    return 'red';
  }
  return 'other';
}

/** The background the value sits on: the nearest ancestor with a gradient or an opaque colour. */
export function backgroundOf(value: Locator): Promise<string> {
  return value.evaluate((element) => {
    for (let node: Element | null = element; node; node = node.parentElement) {
      const style = window.getComputedStyle(node);
      if (style.backgroundImage.includes('gradient')) {
        return style.backgroundImage;
      }
      if (!/^(transparent|rgba\(0, 0, 0, 0\))$/.test(style.backgroundColor)) {
        return style.backgroundColor;
      }
    }
    return '';
  });
}

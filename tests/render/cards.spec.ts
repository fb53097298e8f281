import { expect, Locator, Page, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readState, repoRoot } from './state';

/**
 * The card as Grafana draws it, for real nodes in every state: the frames come from the plugin
 * under the plugin host (cmd/demo), the panels from the provisioned dashboard, the drawing from
 * @grafana/data and @grafana/ui (tests/render/page). Colours are the theme's, for the colour
 * names the card spec asks for, so a wrong mapping in the dashboard fails here.
 */

/** How the card shows each status (the spec's text and colour name). A new status is one row. */
const CARD_LOOKS: Record<string, { text: string; color: string }> = {
  ok: { text: 'OK', color: 'green' },
  err: { text: 'ERR', color: 'red' },
  'n/a': { text: 'N/A', color: 'gray' },
  unreachable: { text: 'UNREACHABLE', color: 'purple' },
  restricted: { text: 'RESTRICTED', color: 'orange' },
  loading: { text: 'LOADING', color: 'blue' },
};

/** What the reason says for the states that are not a rewrite outcome. */
const REASONS: Record<string, RegExp> = {
  unreachable: /refused/,
  'wrong-password': /WRONGPASS|auth/i,
  restricted: /unknown command/,
};

const CARD = 'Last AOF Rewrite Status';
const STATUS_FIELD = 'Last AOF rewrite';
const state = readState();

interface DashboardPanel {
  title: string;
  fieldConfig?: { defaults?: { mappings?: Array<{ type: string; options: Record<string, { color?: string }> }> } };
}
const dashboard: { panels: DashboardPanel[] } = JSON.parse(
  readFileSync(join(repoRoot, 'provisioning', 'dashboards', 'redis-persistence.json'), 'utf8')
);
const cardMappings = dashboard.panels
  .find((p) => p.title === CARD)!
  .fieldConfig!.defaults!.mappings!.filter((m) => m.type === 'value');
const mappedStatuses = cardMappings.flatMap((m) => Object.keys(m.options));

/** Every colour name the check tells apart: the mapped ones and the expected ones. */
const candidates = [
  ...new Set([
    ...cardMappings.flatMap((m) => Object.values(m.options).map((o) => o.color ?? '')),
    ...Object.values(CARD_LOOKS).map((l) => l.color),
    ...state.nodes.flatMap((n) => (n.also ?? []).map((a) => a.color)),
  ]),
].filter(Boolean);

/** [r, g, b] of a CSS colour as the theme and getComputedStyle write them (#rgb, #rrggbb, rgb(), rgba()). */
function rgb(color: string): number[] {
  const hex = color.match(/^#([0-9a-f]{3}|[0-9a-f]{6})$/i)?.[1];
  if (hex) {
    const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
    return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16));
  }
  const parts = color
    .match(/^rgba?\(([^)]*)\)$/)?.[1]
    .split(',')
    .map(Number);
  if (!parts || parts.length < 3 || parts.some(Number.isNaN)) {
    throw new Error(`not a colour: ${color}`);
  }
  return parts.slice(0, 3);
}

/** The page's theme colour for each name (Grafana's createTheme().visualization.getColorByName). */
async function themeColors(page: Page): Promise<Record<string, number[]>> {
  const resolved: Record<string, string> = await page.evaluate(
    (names) =>
      Object.fromEntries(
        names.map((name) => [name, (window as unknown as { themeColor: (n: string) => string }).themeColor(name)])
      ),
    candidates
  );
  return Object.fromEntries(Object.entries(resolved).map(([name, color]) => [name, rgb(color)]));
}

function toHsl([r, g, b]: number[]): number[] {
  const [rr, gg, bb] = [r / 255, g / 255, b / 255];
  const max = Math.max(rr, gg, bb);
  const min = Math.min(rr, gg, bb);
  const l = (max + min) / 2;
  const d = max - min;
  if (d === 0) {
    return [0, 0, l];
  }
  const s = l > 0.5 ? d / (2 - max - min) : d / (max + min);
  const h = max === rr ? (gg - bb) / d + (gg < bb ? 6 : 0) : max === gg ? (bb - rr) / d + 2 : (rr - gg) / d + 4;
  return [h * 60, s, l];
}

function fromHsl([h, s, l]: number[]): number[] {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  return [0, 8, 4].map((n) => Math.round(255 * (l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1)))));
}

/** A colour darkened by `darken` lightness points and its hue turned by `spin` degrees. */
function shade(color: number[], darken: number, spin: number): number[] {
  const [h, s, l] = toHsl(color);
  return fromHsl([(h + spin + 360) % 360, s, Math.min(1, Math.max(0, l - darken / 100))]);
}

/**
 * The colour name the value's background is drawn from. In the dark theme BigValue draws the
 * background colour c as linear-gradient(120deg, c darkened 15 and turned +8°, c darkened 5 and
 * turned -8°) (@grafana/ui BigValueLayout); the nearest of those pairs over the candidate colours
 * names it.
 */
async function backgroundName(value: Locator, colors: Record<string, number[]>): Promise<string> {
  const background = await value.evaluate((el) => getComputedStyle(el.firstElementChild!).backgroundImage);
  const stops = (background.match(/rgba?\([^)]*\)/g) ?? []).map(rgb);
  expect(stops, `background of the value: ${background}`).toHaveLength(2);
  const distance = (name: string) =>
    [shade(colors[name], 15, 8), shade(colors[name], 5, -8)]
      .map((want, i) => want.reduce((sum, v, j) => sum + (v - stops[i][j]) ** 2, 0))
      .reduce((x, y) => x + y, 0);
  return candidates.reduce((best, name) => (distance(name) < distance(best) ? name : best));
}

/** The value of one field of one panel of one node, once the page shows `text` there. */
async function shownValue(page: Page, node: string, panel: string, field: string, text: string) {
  const value = page.locator(`[data-node="${node}"] [data-panel="${panel}"] [data-field="${field}"]`);
  await expect(value).toContainText(text);
  return value;
}

test('every status the card maps has its expected looks', () => {
  expect(mappedStatuses.sort()).toEqual(Object.keys(CARD_LOOKS).sort());
  expect(new Set(Object.values(CARD_LOOKS).map((l) => l.color)).size).toBe(Object.keys(CARD_LOOKS).length);
});

test('each node in a real state shows its card text and colour', async ({ page }) => {
  await page.goto(state.url);
  const colors = await themeColors(page);
  for (const node of state.nodes) {
    const looks = CARD_LOOKS[node.status];
    expect(looks, `no expected looks for status ${node.status}`).toBeDefined();
    const value = await shownValue(page, node.name, CARD, STATUS_FIELD, looks.text);
    const lines = (await value.innerText()).split('\n').map((l) => l.trim());
    expect([node.name, lines]).toEqual([node.name, [STATUS_FIELD, looks.text]]);
    expect([node.name, await backgroundName(value, colors)]).toEqual([node.name, looks.color]);
    for (const also of node.also ?? []) {
      const other = await shownValue(page, node.name, also.panel, also.field, also.text);
      expect([node.name, also.field, await backgroundName(other, colors)]).toEqual([node.name, also.field, also.color]);
    }
    if (REASONS[node.name]) {
      await expect(page.locator(`[data-node="${node.name}"] [data-reason]`)).toHaveText(REASONS[node.name]);
    }
  }
  await page.screenshot({ path: test.info().outputPath('dashboard-panels.png'), fullPage: true });
  // The README's picture: the card alone, node by node.
  await page.goto(`${state.url}?cards=only`);
  for (const node of state.nodes) {
    await shownValue(page, node.name, CARD, STATUS_FIELD, CARD_LOOKS[node.status].text);
  }
  const shot =
    process.env.UPDATE_DOCS === '1' ? join(repoRoot, 'docs', 'cards.png') : test.info().outputPath('cards.png');
  await page.screenshot({ path: shot, fullPage: true });
});

test('the password never reaches the frames or the page', async ({ page, request }) => {
  const frames = await (await request.get(`${state.url}api/frames`)).text();
  expect(frames).toContain('WRONGPASS');
  expect(frames).not.toContain(state.password);
  await page.goto(state.url);
  await expect(page.locator('[data-node="wrong-password"] [data-reason]')).toHaveText(/\S/);
  expect(await page.content()).not.toContain(state.password);
});

/**
 * The bundled dashboard's card, rendered the way Grafana's stat panel prepares it: the panel's own
 * fieldConfig (read from the dashboard JSON) applied with applyFieldOverrides, then
 * getFieldDisplayValues with the panel's reduceOptions, colours resolved through a real theme.
 * Each backend status must come out with its own text and colour, in the light and dark themes.
 */
import fs from 'fs';
import path from 'path';

import {
  colorManipulator,
  createDataFrame,
  createTheme,
  DataFrame,
  FieldDisplay,
  FieldType,
  GrafanaTheme2,
} from '@grafana/data';

import { Panel, standardOptions as registry, statDisplayValues } from '../testing/statPanel';

const dashboard: { panels: Panel[] } = JSON.parse(
  fs.readFileSync(path.join(__dirname, 'redis-persistence.json'), 'utf8')
);
const allPanels: Panel[] = dashboard.panels.flatMap((p) => [p, ...(p.panels ?? [])]);

function panelTitled(title: string): Panel {
  const found = allPanels.find((p) => p.title === title);
  if (!found) {
    throw new Error(`the dashboard has no panel titled ${title}`);
  }
  return found;
}

const themes: Array<[string, GrafanaTheme2]> = [
  ['light', createTheme({ colors: { mode: 'light' } })],
  ['dark', createTheme({ colors: { mode: 'dark' } })],
];

/** What a stat panel shows for one frame: one display value per shown field. */
function render(panel: Panel, frame: DataFrame, theme: GrafanaTheme2): FieldDisplay[] {
  return statDisplayValues(panel, [frame], theme);
}

/** One node's card frame, shaped like the backend's `card` frame (pkg/frames/card.go). */
function cardFrame(status: string, rewriteInProgress = false): DataFrame {
  return createDataFrame({
    name: 'card',
    fields: [
      { name: 'node', type: FieldType.string, values: ['cache-1'] },
      { name: 'instance', type: FieldType.string, values: ['10.0.0.1:6379'] },
      { name: 'role', type: FieldType.string, values: ['primary'] },
      { name: 'status', type: FieldType.string, values: [status], config: { displayName: 'Last AOF rewrite' } },
      { name: 'reason', type: FieldType.string, values: ['why'] },
      { name: 'aof_enabled', type: FieldType.boolean, values: [status !== 'n/a'] },
      { name: 'rewrite_in_progress', type: FieldType.boolean, values: [rewriteInProgress] },
      { name: 'consecutive_failures', type: FieldType.number, values: [status === 'err' ? 1 : 0] },
      { name: 'write_status', type: FieldType.string, values: ['ok'] },
      { name: 'current_size', type: FieldType.number, values: [4096], config: { unit: 'bytes' } },
    ],
  });
}

const hex = (color: string | undefined) => colorManipulator.asHexString(color ?? '').toLowerCase();

function rgb(color: string | undefined): [number, number, number] {
  const [r, g, b] = colorManipulator.decomposeColor(colorManipulator.asRgbString(color ?? '')).values;
  return [r, g, b];
}

/** Checks on the resolved colour itself, so a wrong name cannot pass by resolving to itself. */
const looksLike: Record<string, (c: [number, number, number]) => boolean> = {
  green: ([r, g, b]) => g > r && g > b,
  red: ([r, g, b]) => r > 150 && r > g * 2 && r > b * 2,
  gray: ([r, g, b]) => r === g && g === b && r > 60 && r < 200,
  purple: ([r, g, b]) => r > g && b > g,
  orange: ([r, g, b]) => r > g && g > b && r > 200,
  blue: ([r, g, b]) => b > r && b > g,
};

const CARD = 'Last AOF Rewrite Status';
const STATUSES: Array<{ status: string; text: string; color: string }> = [
  { status: 'ok', text: 'OK', color: 'green' },
  { status: 'err', text: 'ERR', color: 'red' },
  { status: 'n/a', text: 'N/A', color: 'gray' },
  { status: 'unreachable', text: 'UNREACHABLE', color: 'purple' },
  { status: 'restricted', text: 'RESTRICTED', color: 'orange' },
  { status: 'loading', text: 'LOADING', color: 'blue' },
];

describe('Last AOF Rewrite Status card (bundled dashboard)', () => {
  const card = panelTitled(CARD);

  it('is a stat panel that colours the whole card and matches the status field', () => {
    expect(card.type).toBe('stat');
    expect(card.options?.colorMode).toBe('background');
    const shown = render(card, cardFrame('ok'), themes[0][1]).map((d) => d.display.title);
    expect(shown).toEqual(['Last AOF rewrite', 'Rewrite now']);
  });

  describe.each(themes)('%s theme', (_name, theme) => {
    it.each(STATUSES)('shows $status as $text in $color', ({ status, text, color }) => {
      const [statusValue] = render(card, cardFrame(status), theme);
      expect(statusValue.display.title).toBe('Last AOF rewrite');
      expect(statusValue.display.text).toBe(text);
      const resolved = theme.visualization.getColorByName(color);
      expect(hex(statusValue.display.color)).toBe(hex(resolved));
      expect(looksLike[color](rgb(statusValue.display.color))).toBe(true);
    });

    it('gives every status its own colour and only ok is green', () => {
      const colors = STATUSES.map(({ status }) => hex(render(card, cardFrame(status), theme)[0].display.color));
      expect(new Set(colors).size).toBe(STATUSES.length);
      const green = hex(theme.visualization.getColorByName('green'));
      expect(colors.filter((c) => c === green)).toHaveLength(1);
      expect(colors[0]).toBe(green);
    });

    it('says when a rewrite is running and the status is the previous result', () => {
      const [statusValue, running] = render(card, cardFrame('err', true), theme);
      expect(statusValue.display.text).toBe('ERR');
      expect(running.display.title).toBe('Rewrite now');
      expect(running.display.text).toBe('REWRITE RUNNING – showing previous result');
      expect(looksLike.blue(rgb(running.display.color))).toBe(true);
      const [, idle] = render(card, cardFrame('ok', false), theme);
      expect(idle.display.text).toBe('no rewrite running');
    });

    it('shows NO DATA, not a colour of health, for an empty status', () => {
      const [statusValue] = render(card, cardFrame(''), theme);
      expect(statusValue.display.text).not.toBe('OK');
      expect(hex(statusValue.display.color)).not.toBe(hex(theme.visualization.getColorByName('green')));
    });
  });
});

describe('Last AOF write (bundled dashboard)', () => {
  const panel = panelTitled('Last AOF write');
  it.each(themes)('shows err as a data-loss warning in dark red (%s)', (_name, theme) => {
    const frame = createDataFrame({
      fields: [
        { name: 'node', type: FieldType.string, values: ['cache-1'] },
        { name: 'write_status', type: FieldType.string, values: ['err'] },
      ],
    });
    const [value] = render(panel, frame, theme);
    expect(value.display.text).toBe('ERR – writes may be lost');
    expect(hex(value.display.color)).toBe(hex(theme.visualization.getColorByName('dark-red')));
  });
});

describe('every stat panel of the bundled dashboard', () => {
  const stats = allPanels.filter((p) => p.type === 'stat');

  it('uses only field options this test applies, so no override is silently ignored', () => {
    const known = new Set(registry.list().map((item) => item.id));
    for (const panel of stats) {
      const defaults = Object.keys(panel.fieldConfig?.defaults ?? {}).filter((key) => key !== 'custom');
      const overridden = (panel.fieldConfig?.overrides ?? []).flatMap((o) => o.properties.map((p) => p.id));
      for (const id of [...defaults, ...overridden]) {
        expect([panel.title, id, known.has(id)]).toEqual([panel.title, id, true]);
      }
    }
  });

  it('names only colours the theme knows (no raw CSS that ignores light/dark)', () => {
    const names = new Set<string>();
    const collect = (value: unknown): void => {
      if (Array.isArray(value)) {
        value.forEach(collect);
      } else if (value && typeof value === 'object') {
        for (const [key, item] of Object.entries(value)) {
          if (key === 'color' && typeof item === 'string') {
            names.add(item);
          } else {
            collect(item);
          }
        }
      }
    };
    stats.forEach((panel) => collect(panel.fieldConfig));
    for (const name of names) {
      expect([name, name.startsWith('#') || name.startsWith('rgb')]).toEqual([name, false]);
      for (const [, theme] of themes) {
        expect([name, theme.visualization.getColorByName(name) !== name || name === 'transparent']).toEqual([
          name,
          true,
        ]);
      }
    }
  });
});

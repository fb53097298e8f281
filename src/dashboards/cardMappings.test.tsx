/**
 * The bundled dashboard's card, rendered the way Grafana's stat panel prepares it: the panel's own
 * fieldConfig (read from the dashboard JSON) applied with applyFieldOverrides, then
 * getFieldDisplayValues with the panel's reduceOptions, colours resolved through a real theme.
 * The data is the backend's golden frame cut to the fields the panel's query selects, so a panel
 * that stops asking for a field it shows fails here. Each backend status must come out with
 * its own text and colour, in the light and dark themes.
 */
import fs from 'fs';
import path from 'path';

import {
  colorManipulator,
  createTheme,
  DataFrame,
  dataFrameFromJSON,
  DataFrameJSON,
  FieldDisplay,
  GrafanaTheme2,
} from '@grafana/data';

import { backendFrameJSON } from '../testing/backendFrames';
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

/** The fields a selection always keeps (pkg/frames CardFields, SiblingsFields): a row's node, and a siblings row's error. */
const ALWAYS_KEPT: Record<string, string[]> = { card: ['node'], siblings: ['node', 'error'] };

/**
 * The backend's golden frame of a query type (pkg/frames/testdata/card.jsonc, siblings.jsonc) cut
 * to the fields a query selects, as the backend cuts it: those asked for and those always kept, in
 * frame order.
 */
function selectedFrame(queryType: string, fields: string[]): DataFrameJSON {
  const frame = backendFrameJSON(queryType);
  // NaN and ±Inf travel as entities, indexed by column: this cut would misplace them.
  expect(frame.data!.entities).toBeUndefined();
  const wanted = new Set([...ALWAYS_KEPT[queryType], ...fields]);
  const kept = frame.schema!.fields.flatMap((field, i) => (wanted.has(field.name) ? [i] : []));
  expect(kept.map((i) => frame.schema!.fields[i].name).sort()).toEqual([...wanted].sort());
  return {
    schema: { ...frame.schema, fields: kept.map((i) => frame.schema!.fields[i]) },
    data: { values: kept.map((i) => frame.data!.values[i]) },
  };
}

/**
 * What the panel's query gets back for one node of the golden frame: that node's row of the
 * selected fields. status replaces the node's status.
 */
function panelFrame(panel: Panel, node: string, status?: string): DataFrame {
  const [target] = panel.targets ?? [];
  if (!target?.queryType || !(target.queryType in ALWAYS_KEPT) || !target.fields) {
    throw new Error(`${panel.title} does not send a card or siblings query with fields`);
  }
  const frame = selectedFrame(target.queryType, target.fields);
  const row = frame.data!.values[0].indexOf(node);
  if (row < 0) {
    throw new Error(`the golden ${target.queryType} frame has no node ${node}`);
  }
  return dataFrameFromJSON({
    schema: frame.schema,
    data: {
      values: frame.schema!.fields.map((field, i) => [
        field.name === 'status' && status !== undefined ? status : frame.data!.values[i][row],
      ]),
    },
  });
}

describe("the test's cut of the golden frames", () => {
  it("is the backend's own selection (pkg/frames/testdata/card-selected.jsonc)", () => {
    // What TestSelectedCardFieldsGolden (pkg/frames) asks for.
    const backend = backendFrameJSON('card-selected');
    const cut = selectedFrame('card', ['status', 'rewrite_in_progress']);
    expect(cut.schema!.fields).toEqual(backend.schema!.fields);
    const nodes = backend.data!.values[0];
    expect(nodes.length).toBeGreaterThan(1);
    nodes.forEach((node, row) => {
      const cutRow = cut.data!.values[0].indexOf(node);
      expect(cutRow).toBeGreaterThanOrEqual(0);
      expect(cut.data!.values.map((column) => column[cutRow])).toEqual(
        backend.data!.values.map((column) => column[row])
      );
    });
  });
});

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
/** Each status, on the golden frame's node that has it. */
const STATUSES: Array<{ status: string; node: string; text: string; color: string }> = [
  { status: 'ok', node: 'healthy', text: 'OK', color: 'green' },
  { status: 'err', node: 'failing', text: 'ERR', color: 'red' },
  { status: 'n/a', node: 'aof-off', text: 'N/A', color: 'gray' },
  { status: 'unreachable', node: 'down', text: 'UNREACHABLE', color: 'purple' },
  { status: 'restricted', node: 'managed', text: 'RESTRICTED', color: 'orange' },
  { status: 'loading', node: 'restarting', text: 'LOADING', color: 'blue' },
];

describe('Last AOF Rewrite Status card (bundled dashboard)', () => {
  const card = panelTitled(CARD);

  it('is a stat panel that colours the whole card and matches the status field', () => {
    expect(card.type).toBe('stat');
    expect(card.options?.colorMode).toBe('background');
    const shown = render(card, panelFrame(card, 'healthy'), themes[0][1]).map((d) => d.display.title);
    expect(shown).toEqual(['Last AOF rewrite', 'Rewrite now']);
  });

  describe.each(themes)('%s theme', (_name, theme) => {
    it.each(STATUSES)('shows $status as $text in $color', ({ status, node, text, color }) => {
      const frame = panelFrame(card, node);
      expect(frame.fields.find((f) => f.name === 'status')?.values).toEqual([status]);
      const [statusValue] = render(card, frame, theme);
      expect(statusValue.display.title).toBe('Last AOF rewrite');
      expect(statusValue.display.text).toBe(text);
      const resolved = theme.visualization.getColorByName(color);
      expect(hex(statusValue.display.color)).toBe(hex(resolved));
      expect(looksLike[color](rgb(statusValue.display.color))).toBe(true);
    });

    it('gives every status its own colour and only ok is green', () => {
      const colors = STATUSES.map(({ node }) => hex(render(card, panelFrame(card, node), theme)[0].display.color));
      expect(new Set(colors).size).toBe(STATUSES.length);
      const green = hex(theme.visualization.getColorByName('green'));
      expect(colors.filter((c) => c === green)).toHaveLength(1);
      expect(colors[0]).toBe(green);
    });

    it('says when a rewrite is running and the status is the previous result', () => {
      const [statusValue, running] = render(card, panelFrame(card, 'rewriting'), theme);
      expect(statusValue.display.text).toBe('OK');
      expect(running.display.title).toBe('Rewrite now');
      expect(running.display.text).toBe('REWRITE RUNNING – showing previous result');
      expect(looksLike.blue(rgb(running.display.color))).toBe(true);
      const [, idle] = render(card, panelFrame(card, 'healthy'), theme);
      expect(idle.display.text).toBe('no rewrite running');
    });

    it('shows NO DATA, not a colour of health, for an empty status', () => {
      const [statusValue] = render(card, panelFrame(card, 'healthy', ''), theme);
      expect(statusValue.display.text).not.toBe('OK');
      expect(hex(statusValue.display.color)).not.toBe(hex(theme.visualization.getColorByName('green')));
    });
  });
});

describe('Last AOF write (bundled dashboard)', () => {
  const panel = panelTitled('Last AOF write');
  it.each(themes)('shows err as a data-loss warning in dark red (%s)', (_name, theme) => {
    const frame = panelFrame(panel, 'healthy');
    frame.fields.find((f) => f.name === 'write_status')!.values[0] = 'err';
    const [value] = render(panel, frame, theme);
    expect(value.display.text).toBe('ERR – writes may be lost');
    expect(hex(value.display.color)).toBe(hex(theme.visualization.getColorByName('dark-red')));
  });
});

describe('every stat panel of the bundled dashboard', () => {
  const stats = allPanels.filter((p) => p.type === 'stat');

  it.each(stats.map((panel) => [panel.title, panel]))('%s: its query selects every field it shows', (_title, panel) => {
    const pattern = String(panel.options?.reduceOptions?.fields ?? '');
    const titles = pattern
      .replace(/^\/\^\(?/, '')
      .replace(/\)?\$\/$/, '')
      .split('|');
    expect(titles.length).toBeGreaterThan(0);
    const shown = render(panel, panelFrame(panel, 'healthy'), themes[0][1]).map((d) => d.display.title);
    expect(shown.sort()).toEqual([...titles].sort());
  });

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

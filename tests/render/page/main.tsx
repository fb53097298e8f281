/**
 * The dashboard's card and sibling stat panels as Grafana draws them, for every node cmd/demo
 * queries: the frames the plugin returned (GET /api/frames, the SDK's frame JSON) and the
 * provisioned dashboard (GET /api/dashboard) go through @grafana/data's display pipeline
 * (src/testing/statPanel.ts) and @grafana/ui's BigValue, the stat panel's component. Refreshes
 * every few seconds.
 *
 * URL parameters: theme=dark|light, refresh=<milliseconds> (default 5000), cards=only (the Last AOF
 * Rewrite Status card alone, nodes side by side).
 */
import { createTheme, DataFrame, dataFrameFromJSON, DataFrameJSON, ThemeContext } from '@grafana/data';
import {
  BigValue,
  BigValueColorMode,
  BigValueGraphMode,
  BigValueJustifyMode,
  BigValueTextMode,
  GlobalStyles,
} from '@grafana/ui';
import React, { useEffect, useState } from 'react';
import { createRoot } from 'react-dom/client';

import { Panel, statDisplayValues } from '../../../src/testing/statPanel';

const params = new URLSearchParams(window.location.search);
const theme = createTheme({ colors: { mode: params.get('theme') === 'light' ? 'light' : 'dark' } });
const refreshMs = Number(params.get('refresh') ?? 5000);
const cardsOnly = params.get('cards') === 'only';
// For the render test: the theme's colour for a colour name, as the display pipeline resolves it.
Object.assign(window, { themeColor: (name: string) => theme.visualization.getColorByName(name) });

// Grafana's dashboard grid: 24 columns, 30 px rows, 8 px gaps.
const COLUMN = 50;
const ROW = 30;
const GAP = 8;
const PANEL_HEADER = 28;
const CARD_PANEL = 'Last AOF Rewrite Status';

interface PanelResponse {
  frames: DataFrameJSON[] | null;
  error?: string;
}

interface NodeResponse {
  name: string;
  address: string;
  panels: Record<string, PanelResponse>;
}

interface Snapshot {
  updated: string;
  nodes: NodeResponse[];
}

async function getJSON<T>(path: string): Promise<T> {
  const response = await fetch(path, { cache: 'no-store' });
  if (!response.ok) {
    throw new Error(`${path}: HTTP ${response.status}`);
  }
  return response.json();
}

function firstString(frames: DataFrame[], name: string): string {
  for (const frame of frames) {
    const field = frame.fields.find((f) => f.name === name);
    if (field && field.values.length > 0) {
      return String(field.values[0] ?? '');
    }
  }
  return '';
}

function StatPanel({ panel, response }: { panel: Panel; response?: PanelResponse }) {
  const grid = panel.gridPos ?? { w: 6, h: 4, x: 0, y: 0 };
  const width = grid.w * COLUMN + (grid.w - 1) * GAP;
  const height = grid.h * ROW + (grid.h - 1) * GAP;
  const frames = (response?.frames ?? []).map(dataFrameFromJSON);
  const values = response?.error ? [] : statDisplayValues(panel, frames, theme);
  const options = panel.options ?? {};
  // Orientation horizontal stacks the values one under the other, as the stat panel does.
  const stacked = options.orientation !== 'vertical';
  const bodyWidth = width - 2 * GAP;
  const bodyHeight = height - PANEL_HEADER - GAP;
  const itemWidth = stacked ? bodyWidth : Math.floor(bodyWidth / Math.max(values.length, 1));
  const itemHeight = stacked ? Math.floor(bodyHeight / Math.max(values.length, 1)) : bodyHeight;
  return (
    <div
      data-panel={panel.title}
      style={{
        gridColumn: `${grid.x + 1} / span ${grid.w}`,
        gridRow: `${grid.y} / span ${grid.h}`,
        width,
        height,
        background: theme.colors.background.primary,
        border: `1px solid ${theme.colors.border.weak}`,
        borderRadius: theme.shape.radius.default,
        overflow: 'hidden',
      }}
    >
      <div style={{ height: PANEL_HEADER, padding: `4px ${GAP}px`, fontWeight: 500, whiteSpace: 'nowrap' }}>
        {panel.title}
      </div>
      <div style={{ display: 'flex', flexDirection: stacked ? 'column' : 'row', padding: `0 ${GAP}px` }}>
        {response?.error && (
          <div data-error style={{ color: theme.colors.error.text }}>
            {response.error}
          </div>
        )}
        {values.map((value) => (
          <div key={value.display.title} data-field={value.display.title}>
            <BigValue
              theme={theme}
              value={value.display}
              count={values.length}
              width={itemWidth}
              height={itemHeight}
              colorMode={(options.colorMode as BigValueColorMode) ?? BigValueColorMode.Value}
              graphMode={BigValueGraphMode.None}
              justifyMode={(options.justifyMode as BigValueJustifyMode) ?? BigValueJustifyMode.Auto}
              textMode={(options.textMode as BigValueTextMode) ?? BigValueTextMode.Auto}
            />
          </div>
        ))}
      </div>
    </div>
  );
}

function NodeRow({ node, panels }: { node: NodeResponse; panels: Panel[] }) {
  const card = panels.find((p) => p.title === CARD_PANEL);
  const cardResponse = card ? node.panels[String(card.id)] : undefined;
  const reason = cardResponse?.error ?? firstString((cardResponse?.frames ?? []).map(dataFrameFromJSON), 'reason');
  const top = Math.min(...panels.map((p) => p.gridPos?.y ?? 0));
  const columns = Math.max(...panels.map((p) => (p.gridPos?.x ?? 0) + (p.gridPos?.w ?? 0)));
  return (
    <section data-node={node.name} style={{ width: columns * COLUMN + (columns - 1) * GAP }}>
      <h2 style={{ margin: `0 0 ${GAP}px` }}>
        {node.name} <small style={{ color: theme.colors.text.secondary }}>{node.address}</small>
      </h2>
      <div data-reason style={{ color: theme.colors.text.secondary, marginBottom: GAP }}>
        {reason}
      </div>
      <div
        style={{
          display: 'grid',
          gridTemplateColumns: `repeat(${columns}, ${COLUMN}px)`,
          gridAutoRows: `${ROW}px`,
          gap: GAP,
        }}
      >
        {panels.map((panel) => (
          <StatPanel
            key={panel.id}
            panel={{ ...panel, gridPos: { ...panel.gridPos!, y: (panel.gridPos?.y ?? 0) - top + 1 } }}
            response={node.panels[String(panel.id)]}
          />
        ))}
      </div>
    </section>
  );
}

function Page() {
  const [panels, setPanels] = useState<Panel[]>([]);
  const [snapshot, setSnapshot] = useState<Snapshot>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    let stopped = false;
    const load = async () => {
      try {
        const [dashboard, frames] = await Promise.all([
          getJSON<{ panels: Panel[] }>('api/dashboard'),
          getJSON<Snapshot>('api/frames'),
        ]);
        if (!stopped) {
          const queried = new Set(Object.keys(frames.nodes[0]?.panels ?? {}));
          setPanels(
            dashboard.panels.filter((p) => queried.has(String(p.id)) && (!cardsOnly || p.title === CARD_PANEL))
          );
          setSnapshot(frames);
          setError(undefined);
        }
      } catch (e) {
        setError(String(e));
      }
    };
    load();
    const timer = setInterval(load, refreshMs);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <main style={{ padding: 2 * GAP, background: theme.colors.background.canvas, minHeight: '100vh' }}>
        <h1>Redis Persistence: the cards as Grafana draws them</h1>
        <p data-updated={snapshot?.updated} style={{ color: theme.colors.text.secondary }}>
          {error ?? (snapshot ? `Read ${new Date(snapshot.updated).toLocaleTimeString()}` : 'Loading')}
        </p>
        <div style={{ display: 'flex', flexWrap: 'wrap', flexDirection: cardsOnly ? 'row' : 'column', gap: 2 * GAP }}>
          {snapshot?.nodes.map((node) => (
            <NodeRow key={node.name} node={node} panels={panels} />
          ))}
        </div>
      </main>
    </ThemeContext.Provider>
  );
}

createRoot(document.getElementById('root')!).render(<Page />);

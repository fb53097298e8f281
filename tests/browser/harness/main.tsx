/**
 * A page that renders the plugin's editors outside Grafana, for the browser test: the Grafana
 * services they call (backend resources, template variables) are replaced by small fakes and the
 * theme comes from @grafana/ui's ThemeContext, so both look as they do inside Grafana.
 *
 * URL parameters: view=config|query, theme=dark|light, nodes=fail (the nodes resource fails).
 */
import { createTheme, ThemeContext } from '@grafana/data';
import { BackendSrv, BackendSrvRequest, setBackendSrv, setTemplateSrv, TemplateSrv } from '@grafana/runtime';
import { GlobalStyles } from '@grafana/ui';
import React, { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { Observable, of, throwError } from 'rxjs';

import { ConfigEditor } from '../../../src/components/ConfigEditor';
import { QueryEditor } from '../../../src/components/QueryEditor';
import { DataSource } from '../../../src/datasource';
import { makeInstanceSettings, makeSettings } from '../../../src/testing/fixtures';
import { NodeInfo, RedisQuery } from '../../../src/types';

const params = new URLSearchParams(window.location.search);
const view = params.get('view') ?? 'config';
const mode = params.get('theme') === 'light' ? 'light' : 'dark';
const theme = createTheme({ colors: { mode } });

const HARNESS_NODES: NodeInfo[] = [
  { name: 'cache-primary', address: 'redis-1:6379' },
  { name: 'cache-replica', address: 'redis-2:6379' },
  { name: 'sessions', address: 'rediss://sessions.internal:6380' },
];

// Requests the editors make, for the test to read.
const requests: string[] = [];

const backendSrv = {
  fetch: (request: BackendSrvRequest): Observable<unknown> => {
    requests.push(`${request.method ?? 'GET'} ${request.url}`);
    if (request.url.endsWith('/resources/nodes')) {
      if (params.get('nodes') === 'fail') {
        return throwError(() => ({ status: 500, data: { message: 'settings nodes: is empty' } }));
      }
      return of({ data: HARNESS_NODES, status: 200, ok: true });
    }
    return throwError(() => ({ status: 404, statusText: 'Not Found' }));
  },
} as unknown as BackendSrv;
setBackendSrv(backendSrv);

const templateSrv = {
  getVariables: () => [{ name: 'node' }],
  replace: (target?: string) => target ?? '',
  containsTemplate: () => false,
  updateTimeRange: () => {},
} as unknown as TemplateSrv;
setTemplateSrv(templateSrv);

const instanceSettings = makeInstanceSettings({
  nodes: HARNESS_NODES.map(({ name, address }) => ({ name, address })),
});
const datasource = new DataSource(instanceSettings, templateSrv);

const initialSettings = makeSettings(
  { nodes: [{ address: 'redis-1:6379', name: 'cache-primary' }] },
  { password: true }
);

function State({ value, testId }: { value: unknown; testId: string }) {
  return (
    <pre data-testid={testId} hidden>
      {JSON.stringify(value)}
    </pre>
  );
}

function ConfigPage() {
  const [options, setOptions] = useState(initialSettings);
  return (
    <>
      <ConfigEditor options={options} onOptionsChange={setOptions} />
      <State value={options} testId="harness-options" />
    </>
  );
}

function QueryPage() {
  const [query, setQuery] = useState<RedisQuery>({ refId: 'A', queryType: 'card', nodes: [] });
  const [runs, setRuns] = useState(0);
  const [changes, setChanges] = useState<RedisQuery[]>([]);
  return (
    <>
      <QueryEditor
        datasource={datasource}
        query={query}
        onChange={(next) => {
          setQuery(next);
          setChanges((all) => [...all, next]);
        }}
        onRunQuery={() => setRuns((n) => n + 1)}
      />
      <State value={{ query, runs, changes, requests }} testId="harness-query" />
    </>
  );
}

function Page() {
  return (
    <ThemeContext.Provider value={theme}>
      <GlobalStyles />
      <main
        data-testid="harness-ready"
        style={{
          padding: theme.spacing(3),
          maxWidth: view === 'config' ? 900 : 1100,
          background: theme.colors.background.primary,
          boxSizing: 'border-box',
        }}
      >
        {view === 'query' ? <QueryPage /> : <ConfigPage />}
      </main>
    </ThemeContext.Provider>
  );
}

document.body.style.background = theme.colors.background.canvas;
document.body.style.margin = '0';
createRoot(document.getElementById('root')!).render(<Page />);

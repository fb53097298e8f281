import {
  dateTime,
  DataQueryRequest,
  DataQueryResponse,
  FieldType,
  LiveChannelScope,
  LoadingState,
} from '@grafana/data';
import {
  BackendSrv,
  BackendSrvRequest,
  config,
  getGrafanaLiveSrv,
  GrafanaLiveSrv,
  LiveDataStreamOptions,
  setBackendSrv,
} from '@grafana/runtime';
import { lastValueFrom, Observable, of, throwError, toArray } from 'rxjs';

import { DataSource, NodesRequestError } from './datasource';
import { MESSAGES } from './labels';
import { nodesKey } from './live';
import { fakeTemplateSrv, makeInstanceSettings } from './testing/fixtures';
import { NodeVariableQuery, RedisQuery } from './types';
import { NodeVariableSupport } from './variables';

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getGrafanaLiveSrv: jest.fn(),
}));

function backendReturning(response: () => Observable<unknown>) {
  const fetch = jest.fn((_request: BackendSrvRequest) => response());
  setBackendSrv({ fetch } as unknown as BackendSrv);
  return fetch;
}

function makeDataSource(variables: Record<string, string | string[]> = {}) {
  return new DataSource(makeInstanceSettings({ nodes: [{ address: 'a:6379' }] }), fakeTemplateSrv(variables));
}

const query = (patch: Partial<RedisQuery> = {}): RedisQuery => ({ refId: 'A', ...patch });

describe('DataSource', () => {
  it('defaults new queries to the card', () => {
    expect(makeDataSource().getDefaultQuery('dashboard' as never)).toEqual({ queryType: 'card', nodes: [] });
  });

  describe('applyTemplateVariables', () => {
    const ds = makeDataSource({ node: 'cache-1', many: ['cache-2', 'cache-3'], empty: '' });

    it('expands a multi-value variable into several entries', () => {
      const result = ds.applyTemplateVariables(query({ queryType: 'card', nodes: ['$many', 'cache-9:6379'] }), {});
      expect(result.nodes).toEqual(['cache-2', 'cache-3', 'cache-9:6379']);
    });

    it('interpolates single values, drops empty entries and repeats', () => {
      const result = ds.applyTemplateVariables(query({ nodes: ['${node}', '$empty', 'cache-1', '[[node]]'] }), {});
      expect(result.nodes).toEqual(['cache-1']);
    });

    it('prefers scoped variables (repeated panels)', () => {
      const result = ds.applyTemplateVariables(query({ nodes: ['$node'] }), {
        node: { text: 'cache-7', value: 'cache-7' },
      });
      expect(result.nodes).toEqual(['cache-7']);
    });

    it('keeps the other fields and fills a missing query type', () => {
      const result = ds.applyTemplateVariables(query({ metric: 'node_up', queryType: 'alerting' }), {});
      expect(result).toEqual({ refId: 'A', queryType: 'alerting', metric: 'node_up', nodes: [] });
      expect(ds.applyTemplateVariables(query(), {}).queryType).toBe('card');
    });
  });

  describe('filterQuery', () => {
    const ds = makeDataSource();

    it.each<[string, Partial<RedisQuery>, boolean]>([
      ['a card', { queryType: 'card' }, true],
      ['a query without a type (runs as card)', {}, true],
      ['alerting with all metrics', { queryType: 'alerting' }, true],
      ['alerting with one metric', { queryType: 'alerting', metric: 'aof_rewrite_ok' }, true],
      ['alerting with an unknown metric', { queryType: 'alerting', metric: 'bogus' as never }, false],
      ['an unknown query type', { queryType: 'bogus' as never }, false],
      ['a hidden query', { queryType: 'card', hide: true }, false],
      ['a live card', { live: true, liveIntervalMs: 1000 }, true],
      ['a live card with an interval the backend refuses', { live: true, liveIntervalMs: 500 }, false],
      ['live on another type (ignored)', { queryType: 'raw', live: true, liveIntervalMs: 500 }, true],
    ])('%s: %p', (_name, patch, expected) => {
      expect(ds.filterQuery(query(patch))).toBe(expected);
    });
  });

  describe('getNodes', () => {
    it('calls the nodes resource of this data source', async () => {
      const fetch = backendReturning(() => of({ data: [{ name: 'cache-1', address: 'a:6379', extra: 1 }] }));
      await expect(makeDataSource().getNodes()).resolves.toEqual([{ name: 'cache-1', address: 'a:6379' }]);
      expect(fetch).toHaveBeenCalledTimes(1);
      expect(fetch.mock.calls[0][0]).toMatchObject({
        method: 'GET',
        url: '/api/datasources/uid/redis-uid/resources/nodes',
        showErrorAlert: false,
      });
    });

    it('turns an HTTP error into a reason', async () => {
      backendReturning(() => throwError(() => ({ status: 500, data: { message: 'settings nodes: is empty' } })));
      const error = await makeDataSource()
        .getNodes()
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(NodesRequestError);
      expect((error as NodesRequestError).reason).toBe('HTTP 500: settings nodes: is empty');
    });

    it('rejects an answer of the wrong shape', async () => {
      backendReturning(() => of({ data: { nodes: [] } }));
      await expect(makeDataSource().getNodes()).rejects.toThrow(MESSAGES.nodesBadResponse);
    });
  });

  describe('node variable', () => {
    const request = (target: Partial<NodeVariableQuery>) =>
      ({ targets: [{ refId: 'A', ...target }] }) as unknown as DataQueryRequest<NodeVariableQuery>;

    it('lists node names, falling back to the address', async () => {
      backendReturning(() =>
        of({
          data: [
            { name: 'cache-1', address: 'a:6379' },
            { name: '', address: 'b:6379' },
          ],
        })
      );
      const ds = makeDataSource();
      const response = await lastValueFrom(
        (ds.variables as NodeVariableSupport).query(request({})) as Observable<{ data: unknown[] }>
      );
      const frame = response.data[0] as { fields: Array<{ name: string; type: FieldType; values: unknown[] }> };
      expect(frame.fields.map((f) => [f.name, f.type, f.values])).toEqual([
        ['text', FieldType.string, ['cache-1', 'b:6379']],
        ['value', FieldType.string, ['cache-1', 'b:6379']],
      ]);
    });

    it('can list addresses instead', async () => {
      backendReturning(() => of({ data: [{ name: 'cache-1', address: 'a:6379' }] }));
      const ds = makeDataSource();
      const response = await lastValueFrom(
        (ds.variables as NodeVariableSupport).query(request({ valueField: 'address' })) as Observable<{
          data: unknown[];
        }>
      );
      const frame = response.data[0] as { fields: Array<{ values: unknown[] }> };
      expect(frame.fields[1].values).toEqual(['a:6379']);
    });

    it('fails with the reason when the resource fails', async () => {
      backendReturning(() => throwError(() => ({ status: 404, statusText: 'Not Found' })));
      const ds = makeDataSource();
      await expect(
        lastValueFrom((ds.variables as NodeVariableSupport).query(request({})) as Observable<unknown>)
      ).rejects.toThrow('HTTP 404 Not Found');
    });
  });
});

describe('live queries', () => {
  const liveSrvMock = getGrafanaLiveSrv as jest.MockedFunction<typeof getGrafanaLiveSrv>;
  let getDataStream: jest.Mock<Observable<DataQueryResponse>, [LiveDataStreamOptions]>;

  beforeEach(() => {
    getDataStream = jest.fn((options: LiveDataStreamOptions) =>
      of({
        key: options.key,
        state: LoadingState.Streaming,
        data: [{ name: 'growth', fields: [], length: 0 }],
      })
    );
    liveSrvMock.mockReturnValue({ getDataStream } as unknown as GrafanaLiveSrv);
  });
  afterEach(() => {
    liveSrvMock.mockReset();
    config.publicDashboardAccessToken = undefined;
  });

  function backendAnswering() {
    return backendReturning(() =>
      of({ data: { results: { B: { status: 200, frames: [{ schema: { refId: 'B', name: 'card', fields: [] } }] } } } })
    );
  }

  function request(targets: RedisQuery[]): DataQueryRequest<RedisQuery> {
    const to = dateTime('2025-06-01T12:00:00Z');
    const from = dateTime('2025-06-01T11:45:00Z');
    return {
      requestId: 'Q1',
      targets,
      range: { from, to, raw: { from: 'now-15m', to: 'now' } },
      rangeRaw: { from: 'now-15m', to: 'now' },
      maxDataPoints: 800,
      scopedVars: {},
    } as unknown as DataQueryRequest<RedisQuery>;
  }

  const liveTarget = query({ refId: 'A', queryType: 'card', live: true, liveIntervalMs: 2000, nodes: ['$node'] });
  const cardTarget = query({ refId: 'B', queryType: 'card', nodes: ['cache-1'] });

  it('subscribe to the growth channel of their nodes, and send the rest to the backend', async () => {
    const fetch = backendAnswering();
    const ds = makeDataSource({ node: ['cache-1', 'cache-2'] });
    const responses = await lastValueFrom(ds.query(request([liveTarget, cardTarget])).pipe(toArray()));

    expect(getDataStream).toHaveBeenCalledTimes(1);
    const options = getDataStream.mock.calls[0][0];
    // Older Grafana reads `namespace`, newer `stream`: both name the data source.
    expect(options.addr).toEqual({
      scope: LiveChannelScope.DataSource,
      stream: 'redis-uid',
      namespace: 'redis-uid',
      path: `growth/2000/${nodesKey(['cache-1', 'cache-2'])}`,
      data: { nodes: ['cache-1', 'cache-2'] },
    });
    expect(options.key).toBe('Q1/A');
    expect(options.buffer).toMatchObject({ maxLength: 800, maxDelta: 15 * 60 * 1000 });

    expect(fetch).toHaveBeenCalledTimes(1);
    const sent = (fetch.mock.calls[0][0].data as { queries: RedisQuery[] }).queries;
    expect(sent.map((q) => q.refId)).toEqual(['B']);
    expect(fetch.mock.calls[0][0].url).toContain('/api/ds/query');

    const refIds = responses.flatMap((r) => r.data.map((frame: { refId?: string }) => frame.refId));
    expect(refIds.sort()).toEqual(['A', 'B']);
  });

  it('stream every node when there is no node filter, without the backend', async () => {
    const fetch = backendAnswering();
    await lastValueFrom(makeDataSource().query(request([query({ live: true })])));
    expect(getDataStream.mock.calls[0][0].addr).toMatchObject({ path: 'growth/5000', data: { nodes: [] } });
    expect(fetch).not.toHaveBeenCalled();
  });

  it('are dropped when they cannot run, and stream only as card queries', async () => {
    const fetch = backendAnswering();
    const ds = makeDataSource();
    await lastValueFrom(
      ds.query(
        request([
          query({ refId: 'A', live: true, liveIntervalMs: 10 }),
          query({ refId: 'B', live: true, queryType: 'raw' }),
        ])
      )
    );
    expect(getDataStream).not.toHaveBeenCalled();
    expect((fetch.mock.calls[0][0].data as { queries: RedisQuery[] }).queries.map((q) => q.refId)).toEqual(['B']);
  });

  it('go to the backend, which answers one sample, where Grafana Live is off', async () => {
    const fetch = backendAnswering();
    liveSrvMock.mockReturnValue(undefined as unknown as GrafanaLiveSrv);
    await lastValueFrom(makeDataSource({ node: 'cache-1' }).query(request([liveTarget])));
    expect(getDataStream).not.toHaveBeenCalled();
    expect(fetch.mock.calls[0][0].url).toContain('/api/ds/query');
    const sent = (fetch.mock.calls[0][0].data as { queries: RedisQuery[] }).queries;
    expect(sent).toEqual([
      expect.objectContaining({ refId: 'A', live: true, liveIntervalMs: 2000, nodes: ['cache-1'] }),
    ]);
  });

  it('go to the backend on a public dashboard', async () => {
    const fetch = backendAnswering();
    config.publicDashboardAccessToken = 'public-token';
    await lastValueFrom(makeDataSource().query(request([liveTarget])));
    expect(getDataStream).not.toHaveBeenCalled();
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0][0].url).toContain('public-token');
  });
});

import { DataQueryRequest, FieldType } from '@grafana/data';
import { BackendSrv, BackendSrvRequest, setBackendSrv } from '@grafana/runtime';
import { lastValueFrom, Observable, of, throwError } from 'rxjs';

import { DataSource, NodesRequestError } from './datasource';
import { MESSAGES } from './labels';
import { fakeTemplateSrv, makeInstanceSettings } from './testing/fixtures';
import { NodeVariableQuery, RedisQuery } from './types';
import { NodeVariableSupport } from './variables';

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

import { CoreApp } from '@grafana/data';

import { MESSAGES } from './labels';
import { queryProblems, sameQuery, withQueryType } from './queryModel';
import { RedisQuery } from './types';

const q = (patch: Partial<RedisQuery>): RedisQuery => ({ refId: 'A', ...patch });
const nodes = [{ name: 'cache-1', address: 'a:6379' }];

describe('queryProblems', () => {
  it('finds nothing wrong with a plain card', () => {
    expect(
      queryProblems(q({ queryType: 'card', nodes: ['cache-1', 'a:6379', '$node'] }), { knownNodes: nodes })
    ).toEqual([]);
  });

  it('warns about nodes the data source does not have, but not about variables', () => {
    expect(queryProblems(q({ nodes: ['cache-2', '${node}'] }), { knownNodes: nodes })).toEqual([
      { severity: 'warning', text: MESSAGES.unknownNode('cache-2') },
    ]);
  });

  it('asks alert rules, and only them, for one metric', () => {
    const alerting = q({ queryType: 'alerting' });
    expect(queryProblems(alerting, { app: CoreApp.UnifiedAlerting })).toEqual([
      { severity: 'warning', text: MESSAGES.alertNeedsMetric },
    ]);
    expect(queryProblems(alerting, { app: CoreApp.Dashboard })).toEqual([]);
    expect(queryProblems({ ...alerting, metric: 'node_up' }, { app: CoreApp.UnifiedAlerting })).toEqual([]);
  });

  it('rejects an unknown metric', () => {
    expect(queryProblems(q({ queryType: 'alerting', metric: 'cpu' as never }))[0]).toEqual({
      severity: 'error',
      text: MESSAGES.unknownMetric('cpu'),
    });
  });
});

describe('withQueryType', () => {
  it('keeps the metric only for alerting', () => {
    const alerting = q({ queryType: 'alerting', metric: 'node_up', nodes: ['cache-1'] });
    expect(withQueryType(alerting, 'raw')).toEqual({ refId: 'A', queryType: 'raw', nodes: ['cache-1'] });
    expect(withQueryType(alerting, 'alerting')).toEqual(alerting);
  });
});

describe('sameQuery', () => {
  it('compares what the backend is asked', () => {
    expect(sameQuery(q({}), q({ queryType: 'card', nodes: [] }))).toBe(true);
    expect(sameQuery(q({ metric: 'node_up' }), q({ metric: 'node_up' }))).toBe(true);
    expect(sameQuery(q({ nodes: ['a'] }), q({ nodes: ['b'] }))).toBe(false);
    expect(sameQuery(q({ queryType: 'raw' }), q({ queryType: 'card' }))).toBe(false);
    expect(sameQuery(q({ queryType: 'alerting' }), q({ queryType: 'alerting', metric: 'node_up' }))).toBe(false);
  });
});

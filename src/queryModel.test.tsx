import { CoreApp } from '@grafana/data';

import { MESSAGES } from './labels';
import { isRunnable, queryProblems, sameQuery, withQueryType } from './queryModel';
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

  it('keeps live growth only for the card', () => {
    const live = q({ queryType: 'card', live: true, liveIntervalMs: 2000 });
    expect(withQueryType(live, 'alerting')).toEqual({ refId: 'A', queryType: 'alerting' });
    expect(withQueryType(live, 'card')).toEqual(live);
  });
});

describe('queryProblems of live queries', () => {
  it('finds nothing wrong with a live card at a preset interval', () => {
    expect(queryProblems(q({ live: true }))).toEqual([]);
    expect(queryProblems(q({ queryType: 'card', live: true, liveIntervalMs: 60000 }))).toEqual([]);
  });

  it('rejects an interval the backend refuses', () => {
    expect(queryProblems(q({ live: true, liveIntervalMs: 100 }))).toEqual([
      { severity: 'error', text: MESSAGES.liveInterval(100) },
    ]);
  });

  it('says live is ignored by other query types, and not streamed by alert rules', () => {
    expect(queryProblems(q({ queryType: 'raw', live: true }))).toEqual([
      { severity: 'info', text: MESSAGES.liveOnlyForCard('Raw fields') },
    ]);
    expect(queryProblems(q({ live: true }), { app: CoreApp.UnifiedAlerting })).toEqual([
      { severity: 'warning', text: MESSAGES.liveNotStreamed },
    ]);
  });
});

describe('sameQuery', () => {
  it('compares what the backend is asked', () => {
    expect(sameQuery(q({}), q({ queryType: 'card', nodes: [] }))).toBe(true);
    expect(sameQuery(q({ metric: 'node_up' }), q({ metric: 'node_up' }))).toBe(true);
    expect(sameQuery(q({ nodes: ['a'] }), q({ nodes: ['b'] }))).toBe(false);
    expect(sameQuery(q({ queryType: 'raw' }), q({ queryType: 'card' }))).toBe(false);
    expect(sameQuery(q({ queryType: 'alerting' }), q({ queryType: 'alerting', metric: 'node_up' }))).toBe(false);
    expect(sameQuery(q({}), q({ live: true }))).toBe(false);
    expect(sameQuery(q({ live: true }), q({ live: true, liveIntervalMs: 2000 }))).toBe(false);
  });
});

describe('field selection', () => {
  it('accepts the fields of the query type and refuses others', () => {
    expect(queryProblems(q({ fields: ['status', 'rewrite_in_progress'] }))).toEqual([]);
    expect(queryProblems(q({ queryType: 'siblings', fields: ['uptime'] }))).toEqual([]);
    expect(queryProblems(q({ queryType: 'siblings', fields: ['status'] }))).toEqual([
      { severity: 'error', text: MESSAGES.unknownField('status', 'Sibling cards') },
    ]);
    expect(isRunnable(q({ fields: ['status'] }))).toBe(true);
    // The backend's error, listing the frame's fields, reaches the panel.
    expect(isRunnable(q({ fields: ['stauts'] }))).toBe(true);
  });

  it('reports a selection that is not a list instead of failing on it', () => {
    const odd = q({ fields: 'status' as never });
    expect(queryProblems(odd)).toEqual([{ severity: 'error', text: MESSAGES.fieldsNotAList }]);
    expect(isRunnable(odd)).toBe(true);
    expect(sameQuery(odd, q({}))).toBe(true);
  });

  it('says a type that returns whole frames ignores the selection', () => {
    for (const query of [q({ queryType: 'alerting', fields: ['status'] }), q({ live: true, fields: ['status'] })]) {
      expect(queryProblems(query)).toEqual([{ severity: 'info', text: MESSAGES.fieldsIgnored }]);
      expect(isRunnable(query)).toBe(true);
    }
  });

  it('drops the selection when the type changes, and tells selections apart', () => {
    const status = q({ queryType: 'card', fields: ['status'] });
    expect(withQueryType(status, 'siblings')).toEqual({ refId: 'A', queryType: 'siblings' });
    expect(withQueryType(status, 'card')).toEqual(status);
    expect(sameQuery(status, q({ queryType: 'card' }))).toBe(false);
    expect(sameQuery(status, q({ fields: ['status'] }))).toBe(true);
  });
});

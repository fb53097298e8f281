import { DataFrameJSON, FieldType, StreamingDataFrame } from '@grafana/data';

import { backendFrameJSON } from './testing/backendFrames';
import { growthChannelPath, isLiveQuery, isValidLiveInterval, LIVE, liveIntervalOf, nodesKey } from './live';

describe('nodesKey', () => {
  // The same vectors as TestNodesKeyVectors in pkg/plugin/stream_test.go: the backend admits a
  // subscription only when its key matches.
  it.each<[string[], string]>([
    [[], ''],
    [['healthy'], '533d4a0fdde272b1'],
    [['healthy', '127.0.0.1:6379'], 'dffd36ab6716636c'],
    [['a,b'], '2e6fad0a4aeb16a5'],
    [['a', 'b'], 'bdd1428ad635dedc'],
    [['nœud-😀'], 'fffa2346cb436d0c'],
  ])('%j → %s', (nodes, key) => {
    expect(nodesKey(nodes)).toBe(key);
  });
});

describe('growthChannelPath', () => {
  it('names the interval, and the node filter when there is one', () => {
    expect(growthChannelPath(5000, [])).toBe('growth/5000');
    expect(growthChannelPath(1000, ['healthy'])).toBe('growth/1000/533d4a0fdde272b1');
  });

  it('stays within what Grafana allows in a channel path', () => {
    expect(growthChannelPath(60000, ['a b/c?', '[::1]:6379'])).toMatch(/^[A-Za-z0-9_\-/=.]+$/);
  });
});

describe('live query options', () => {
  it('streams only card queries that ask for it', () => {
    expect(isLiveQuery({ live: true })).toBe(true);
    expect(isLiveQuery({ queryType: 'card', live: true })).toBe(true);
    expect(isLiveQuery({ queryType: 'raw', live: true })).toBe(false);
    expect(isLiveQuery({ queryType: 'card' })).toBe(false);
  });

  it('defaults and bounds the interval', () => {
    expect(liveIntervalOf({})).toBe(LIVE.defaultIntervalMs);
    expect(LIVE.intervalPresetsMs.every(isValidLiveInterval)).toBe(true);
    for (const bad of [999, 60001, 1500.5, '5000', undefined]) {
      expect(isValidLiveInterval(bad)).toBe(false);
    }
  });
});

describe("the backend's growth samples in Grafana's streaming buffer", () => {
  // The backend's growth frame, as the stream sends it. The buffer takes over the arrays it is
  // given: every packet gets fresh ones.
  const first = () => backendFrameJSON('growth');
  const sample = (time: number, current: number | null): DataFrameJSON => ({
    data: { values: first().data!.values.map((v, i) => (i === 0 ? [time] : i === 1 ? [current] : v)) },
  });

  it('become one line per node and size that grows with each sample', () => {
    const frame = StreamingDataFrame.fromDataFrameJSON(first(), { maxLength: 100 });
    frame.push(sample(1748779205000, 70));
    frame.push(sample(1748779210000, 20));

    expect(frame.length).toBe(3);
    expect(frame.fields[0].type).toBe(FieldType.time);
    const current = frame.fields.find((f) => f.name === 'healthy current')!;
    expect(current.type).toBe(FieldType.number);
    expect(current.labels).toEqual({ node: 'healthy', instance: '10.0.0.1:6379' });
    expect(current.config).toMatchObject({ unit: 'bytes', displayNameFromDS: 'healthy current' });
    expect(current.values).toEqual([50, 70, 20]);
    const down = frame.fields.find((f) => f.name === 'down current')!;
    expect(down.values).toEqual([null, null, null]);
    expect(frame.fields.find((f) => f.name === 'down status')!.values).toEqual([
      'unreachable',
      'unreachable',
      'unreachable',
    ]);
  });

  it('keep each node its own history when a node joins (a new schema)', () => {
    const frame = StreamingDataFrame.fromDataFrameJSON(first(), { maxLength: 100 });
    frame.push(sample(1748779205000, 70));
    // A node first in the list: every field after it moves.
    const { schema, data } = first();
    const joined: DataFrameJSON = {
      schema: {
        ...schema!,
        fields: [
          schema!.fields[0],
          { ...schema!.fields[1], name: 'new current', labels: { node: 'new', instance: '10.0.0.9:6379' } },
          ...schema!.fields.slice(1),
        ],
      },
      data: { values: [[1748779210000], [5], [90], ...data!.values.slice(2)] },
    };
    frame.push(joined);

    expect(frame.fields.find((f) => f.name === 'healthy current')!.values).toEqual([50, 70, 90]);
    expect(frame.fields.find((f) => f.name === 'new current')!.values).toEqual([undefined, undefined, 5]);
  });
});

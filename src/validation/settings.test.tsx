import { MESSAGES } from '../labels';
import { discoveryMode, validateAddressMap, validateNodes, validateSettings } from './settings';

describe('validateNodes', () => {
  it('asks for at least one node', () => {
    expect(validateNodes(undefined)).toEqual({ nodes: MESSAGES.noNodes, nodeRows: [] });
    expect(validateNodes([])).toEqual({ nodes: MESSAGES.noNodes, nodeRows: [] });
  });

  it('reports duplicate addresses on the later node', () => {
    const result = validateNodes([{ address: 'a:6379' }, { address: 'b:6379' }, { address: 'a:6379' }]);
    expect(result.nodes).toBeUndefined();
    expect(result.nodeRows[0]).toEqual({});
    expect(result.nodeRows[1]).toEqual({});
    expect(result.nodeRows[2].address).toBe(MESSAGES.duplicate('a:6379', 1));
  });

  it('reports duplicate names on the name field', () => {
    const result = validateNodes([
      { address: 'a:6379', name: 'primary' },
      { address: 'b:6379', name: 'primary' },
    ]);
    expect(result.nodeRows[1]).toEqual({ name: MESSAGES.duplicate('primary', 1) });
  });

  it('reports a name that is another node address', () => {
    const result = validateNodes([{ address: 'a:6379' }, { address: 'b:6379', name: 'a:6379' }]);
    expect(result.nodeRows[1].name).toBe(MESSAGES.duplicate('a:6379', 1));
  });

  it('accepts a name equal to its own address', () => {
    expect(validateNodes([{ address: 'a:6379', name: 'a:6379' }]).nodeRows).toEqual([{}]);
  });
});

describe('validateSettings', () => {
  const nodes = [{ address: 'a:6379' }];

  it('accepts defaults', () => {
    const problems = validateSettings({ nodes });
    expect(Object.values({ ...problems, nodeRows: undefined, addressMapRows: undefined }).filter(Boolean)).toEqual([]);
    expect(problems.addressMapRows).toEqual([]);
  });

  it.each([
    [0, MESSAGES.timeoutNotPositive],
    [-5, MESSAGES.timeoutNotPositive],
    [1.5, MESSAGES.notWholeNumber],
    [60001, MESSAGES.timeoutTooLong],
  ])('rejects timeout %p', (value, message) => {
    const problems = validateSettings({ nodes, connectTimeoutMs: value, readTimeoutMs: value });
    expect(problems.connectTimeoutMs).toBe(message);
    expect(problems.readTimeoutMs).toBe(message);
  });

  it.each([0, 1025, 2.5])('rejects maxConcurrency %p', (value) => {
    expect(validateSettings({ nodes, maxConcurrency: value }).maxConcurrency).toBeDefined();
  });

  it('needs both halves of a client certificate', () => {
    expect(validateSettings({ nodes }, { tlsClientCert: true }).tlsClientKey).toBe(MESSAGES.clientCertWithoutKey);
    expect(validateSettings({ nodes }, {}, { tlsClientKey: '-----BEGIN PRIVATE KEY-----' }).tlsClientCert).toBe(
      MESSAGES.clientKeyWithoutCert
    );
    const both = validateSettings({ nodes }, { tlsClientCert: true, tlsClientKey: true });
    expect(both.tlsClientCert).toBeUndefined();
    expect(both.tlsClientKey).toBeUndefined();
  });

  it('recognises text that is not PEM', () => {
    const problems = validateSettings({ nodes }, {}, { tlsCACert: 'hello', tlsClientCert: 'x', tlsClientKey: 'y' });
    expect(problems.tlsCACert).toBe(MESSAGES.notPemCertificate);
    expect(problems.tlsClientCert).toBe(MESSAGES.notPemCertificate);
    expect(problems.tlsClientKey).toBe(MESSAGES.notPemKey);
  });
});

describe('discovery settings', () => {
  const seeds = [{ address: 'seed-1:6379' }];

  it('reads the mode: absent or empty is static, anything else unknown', () => {
    expect(discoveryMode(undefined)).toBe('static');
    expect(discoveryMode('')).toBe('static');
    expect(discoveryMode('static')).toBe('static');
    expect(discoveryMode('cluster')).toBe('cluster');
    expect(discoveryMode('sentinel')).toBe('sentinel');
    expect(discoveryMode('Cluster')).toBeUndefined();
    expect(validateSettings({ nodes: seeds, discovery: 'consul' as 'static' }).discovery).toBe(
      MESSAGES.unknownMode('consul')
    );
  });

  it('names the empty list by mode', () => {
    expect(validateNodes([], 'cluster').nodes).toBe(MESSAGES.noSeeds);
    expect(validateNodes(undefined, 'sentinel').nodes).toBe(MESSAGES.noSentinels);
    expect(validateNodes([]).nodes).toBe(MESSAGES.noNodes);
  });

  it('checks seeds and sentinels: host:port over TCP, each once, names not checked', () => {
    expect(validateNodes([{ address: '/run/redis.sock' }], 'cluster').nodeRows).toEqual([
      { address: MESSAGES.socketAddress('/run/redis.sock', 'seed') },
    ]);
    expect(
      validateNodes([{ address: 's1:26379' }, { address: 'rediss://s2:26380' }, { address: 's1:26379' }], 'sentinel')
        .nodeRows
    ).toEqual([{}, {}, { address: MESSAGES.duplicateAddress('s1:26379', 'sentinel', 1) }]);
    expect(validateNodes([{ address: 'cache' }], 'cluster').nodeRows).toEqual([
      { address: MESSAGES.missingPort('cache') },
    ]);
    // Static names that would collide are ignored: seeds have no names.
    expect(
      validateNodes(
        [
          { address: 'a:6379', name: 'x' },
          { address: 'b:6379', name: 'x' },
        ],
        'cluster'
      ).nodeRows
    ).toEqual([{}, {}]);
  });

  it('checks the address map: both sides, each announced address remapped once', () => {
    expect(
      validateAddressMap([
        { from: '10.0.0.5:6379', to: 'a:16379' },
        { from: '10.0.0.6', to: '' },
        { from: '10.0.0.5:6379', to: 'b:16379' },
      ])
    ).toEqual([
      {},
      {
        from: MESSAGES.mapMissingPort('Announced address', '10.0.0.6'),
        to: MESSAGES.mapEmpty('Dial address'),
      },
      { from: MESSAGES.mapDuplicate('10.0.0.5:6379', 1) },
    ]);
    expect(validateAddressMap(undefined)).toEqual([]);
  });

  it.each([
    [1000, undefined],
    [300000, undefined],
    [999, MESSAGES.intervalTooShort],
    [0, MESSAGES.intervalTooShort],
    [300001, MESSAGES.intervalTooLong],
    [1500.5, MESSAGES.intervalNotWhole],
  ])('discovery interval %p', (value, problem) => {
    expect(
      validateSettings({ discovery: 'cluster', nodes: seeds, discoveryIntervalMs: value }).discoveryIntervalMs
    ).toBe(problem);
  });

  it.each([
    [0, undefined],
    [60000, undefined],
    [-1, MESSAGES.coalesceNegative],
    [60001, MESSAGES.coalesceTooLong],
    [0.5, MESSAGES.coalesceNotWhole],
  ])('coalesce window %p, in every mode', (value, problem) => {
    for (const discovery of ['static', 'cluster', 'sentinel'] as const) {
      expect(validateSettings({ discovery, nodes: seeds, coalesceWindowMs: value }).coalesceWindowMs).toBe(problem);
    }
  });

  it('reports an empty master name and accepts an empty list', () => {
    const sentinel = { discovery: 'sentinel' as const, nodes: [{ address: 's1:26379' }] };
    expect(validateSettings({ ...sentinel, sentinelMasters: ['main', ' '] }).sentinelMasters).toBe(
      MESSAGES.masterBlank(2)
    );
    expect(validateSettings({ ...sentinel, sentinelMasters: [] }).sentinelMasters).toBeUndefined();
    expect(validateSettings(sentinel).sentinelMasters).toBeUndefined();
  });

  it('does not report the settings of another mode (they are not shown)', () => {
    const problems = validateSettings({
      nodes: seeds,
      sentinelMasters: [''],
      addressMap: [{ from: 'x', to: 'y' }],
      discoveryIntervalMs: 1,
    });
    expect(problems.sentinelMasters).toBeUndefined();
    expect(problems.addressMapRows).toEqual([]);
    expect(problems.discoveryIntervalMs).toBeUndefined();
    expect(validateSettings({ discovery: 'cluster', nodes: seeds, sentinelMasters: [''] }).sentinelMasters).toBe(
      undefined
    );
  });
});

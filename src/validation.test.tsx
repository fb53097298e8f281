import { MESSAGES } from './labels';
import {
  anyNodeUsesTLS,
  discoveryMode,
  hostPortProblem,
  parseAddress,
  validateAddressMap,
  validateNodes,
  validateSettings,
} from './validation';

describe('parseAddress', () => {
  it.each([
    ['redis-1:6379', 'tcp', 'redis-1:6379', false],
    ['  10.0.0.5:6380 ', 'tcp', '10.0.0.5:6380', false],
    ['[::1]:6379', 'tcp', '[::1]:6379', false],
    ['redis://cache:7000', 'tcp', 'cache:7000', false],
    ['redis://cache', 'tcp', 'cache:6379', false],
    ['rediss://cache.example.com:6380/0', 'tcp', 'cache.example.com:6380', true],
    ['rediss://[2001:db8::1]', 'tcp', '[2001:db8::1]:6379', true],
    ['/run/redis.sock', 'unix', '/run/redis.sock', false],
    ['unix:///run/redis/redis.sock', 'unix', '/run/redis/redis.sock', false],
  ])('accepts %s', (address, network, dial, tls) => {
    expect(parseAddress(address)).toEqual({ ok: true, node: { network, dial, tls } });
  });

  it.each([
    ['', MESSAGES.addressEmpty],
    ['redis-1', MESSAGES.missingPort('redis-1')],
    ['redis-1:', MESSAGES.badPort('redis-1:', '')],
    ['redis-1:0', MESSAGES.badPort('redis-1:0', '0')],
    ['redis-1:65536', MESSAGES.badPort('redis-1:65536', '65536')],
    ['redis-1:http', MESSAGES.badPort('redis-1:http', 'http')],
    ['::1:6379', MESSAGES.ipv6Brackets('::1:6379')],
    [':6379', MESSAGES.noHost(':6379')],
    ['[::1', MESSAGES.notHostPort('[::1')],
    ['http://cache:6379', MESSAGES.unsupportedScheme('http')],
    ['redis://', MESSAGES.noHost('redis://')],
    ['unix://run/redis.sock', MESSAGES.socketNotAbsolute('unix://run/redis.sock')],
  ])('rejects %j', (address, problem) => {
    expect(parseAddress(address)).toEqual({ ok: false, problem });
  });

  it.each(['redis://:s3cret@cache:6379', 'redis://admin:s3cret@cache:6379', 'admin:s3cret@cache:6379'])(
    'rejects credentials in %s without repeating them',
    (address) => {
      const result = parseAddress(address);
      expect(result.ok).toBe(false);
      const problem = result.ok ? '' : result.problem;
      expect(problem).toContain('put the password in the Password field');
      expect(problem).not.toContain('s3cret');
    }
  );
});

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

describe('anyNodeUsesTLS', () => {
  it('is true only with a rediss:// address', () => {
    expect(anyNodeUsesTLS([{ address: 'redis://a:1' }, { address: 'b:2' }])).toBe(false);
    expect(anyNodeUsesTLS([{ address: 'redis://a:1' }, { address: 'rediss://b:2' }])).toBe(true);
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

  it.each([
    ['10.0.0.5:6379', undefined],
    [' redis-a.example:16379 ', undefined],
    ['[fd00::5]:6379', undefined],
    ['', MESSAGES.mapEmpty('Dial address')],
    ['10.0.0.5', MESSAGES.mapMissingPort('Dial address', '10.0.0.5')],
    ['10.0.0.5:', MESSAGES.mapBadPort('Dial address', '10.0.0.5:', '')],
    ['10.0.0.5:70000', MESSAGES.mapBadPort('Dial address', '10.0.0.5:70000', '70000')],
    [':6379', MESSAGES.mapNoHost('Dial address', ':6379')],
    ['fd00::5:6379', MESSAGES.mapIpv6('Dial address', 'fd00::5:6379')],
    ['redis://a:6379', MESSAGES.mapNotHostPort('Dial address', 'redis://a:6379')],
    ['/run/redis.sock', MESSAGES.mapNotHostPort('Dial address', '/run/redis.sock')],
    ['[fd00::5', MESSAGES.mapNotHostPort('Dial address', '[fd00::5')],
  ])('host:port %j', (value, problem) => {
    expect(hostPortProblem(value, 'Dial address')).toBe(problem);
  });

  it('does not repeat credentials in an address map problem', () => {
    const problem = hostPortProblem('admin:s3cret@10.0.0.5:6379', 'Announced address');
    expect(problem).toBe(MESSAGES.mapCredentials('Announced address'));
    expect(problem).not.toContain('s3cret');
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

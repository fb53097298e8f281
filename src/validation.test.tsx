import { MESSAGES } from './labels';
import { anyNodeUsesTLS, parseAddress, validateNodes, validateSettings } from './validation';

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
    expect(Object.values({ ...problems, nodeRows: undefined }).filter(Boolean)).toEqual([]);
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

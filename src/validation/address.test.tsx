import { MESSAGES } from '../labels';
import { anyNodeUsesTLS, hostPortProblem, parseAddress } from './address';

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

describe('anyNodeUsesTLS', () => {
  it('is true only with a rediss:// address', () => {
    expect(anyNodeUsesTLS([{ address: 'redis://a:1' }, { address: 'b:2' }])).toBe(false);
    expect(anyNodeUsesTLS([{ address: 'redis://a:1' }, { address: 'rediss://b:2' }])).toBe(true);
  });
});

describe('discovery settings', () => {
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
});

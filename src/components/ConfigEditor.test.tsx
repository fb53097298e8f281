import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import { CONFIG_TEXT, MESSAGES } from '../labels';
import { Selectors } from '../selectors';
import { ConfigEditorHarness, makeSettings } from '../testing/fixtures';
import { DEFAULTS, DISCOVERY_MODES, DiscoveryMode, RedisJsonData, RedisSecureJsonData } from '../types';
import { RedisSettings } from './config/options';

const s = Selectors.config;

function setup(
  jsonData: RedisJsonData = {},
  secureJsonFields: Record<string, boolean> = {},
  secureJsonData?: RedisSecureJsonData
) {
  const onChange = jest.fn<void, [RedisSettings]>();
  const user = userEvent.setup({ delay: null });
  render(
    <ConfigEditorHarness initial={makeSettings(jsonData, secureJsonFields, secureJsonData)} onChange={onChange} />
  );
  const last = () => onChange.mock.calls[onChange.mock.calls.length - 1][0];
  return { onChange, user, last };
}

describe('ConfigEditor', () => {
  it('renders every section', () => {
    setup({ nodes: [{ address: 'a:6379' }] });
    for (const title of [CONFIG_TEXT.nodes.title, CONFIG_TEXT.auth.title, CONFIG_TEXT.tls.title]) {
      expect(screen.getByText(title)).toBeInTheDocument();
    }
    expect(screen.getByText(CONFIG_TEXT.advanced.title)).toBeInTheDocument();
    expect(screen.getByTestId(s.nodes.address(0))).toHaveValue('a:6379');
  });

  it('asks for a node when there is none, and adds one', async () => {
    const { user, last } = setup();
    expect(screen.getByTestId(s.nodes.listError)).toHaveTextContent(MESSAGES.noNodes);

    await user.click(screen.getByTestId(s.nodes.add));
    await user.type(screen.getByTestId(s.nodes.address(0)), 'redis-1:6379');
    await user.type(screen.getByTestId(s.nodes.name(0)), 'primary');

    expect(last().jsonData.nodes).toEqual([{ address: 'redis-1:6379', name: 'primary' }]);
    expect(screen.queryByTestId(s.nodes.listError)).not.toBeInTheDocument();
  });

  it('edits and removes nodes', async () => {
    const { user, last } = setup({
      nodes: [
        { address: 'a:6379', name: 'first' },
        { address: 'b:6379', name: 'second' },
      ],
    });
    await user.click(screen.getByTestId(s.nodes.remove(0)));
    expect(last().jsonData.nodes).toEqual([{ address: 'b:6379', name: 'second' }]);

    await user.clear(screen.getByTestId(s.nodes.name(0)));
    expect(last().jsonData.nodes).toEqual([{ address: 'b:6379' }]);
  });

  it('explains an address with credentials, without echoing the password', async () => {
    const { user } = setup({ nodes: [{ address: '' }] });
    await user.type(screen.getByTestId(s.nodes.address(0)), 'redis://admin:hunter2@cache:6379');
    const row = screen.getByTestId(s.nodes.row(0));
    expect(within(row).getByText(/put the password in the Password field/)).toBeInTheDocument();
    expect(within(row).queryByText(/hunter2/)).not.toBeInTheDocument();
  });

  it('explains an unparsable address and a duplicate', async () => {
    const { user } = setup({ nodes: [{ address: 'a:6379' }, { address: '' }] });
    const second = screen.getByTestId(s.nodes.address(1));
    await user.type(second, 'cache');
    expect(screen.getByText(MESSAGES.missingPort('cache'))).toBeInTheDocument();
    await user.clear(second);
    await user.type(second, 'a:6379');
    expect(screen.getByText(MESSAGES.duplicate('a:6379', 1))).toBeInTheDocument();
  });

  it('writes the password to secureJsonData only', async () => {
    const { user, last } = setup({ nodes: [{ address: 'a:6379' }] });
    await user.type(screen.getByTestId(s.auth.username), 'monitor');
    await user.type(screen.getByTestId(s.auth.password), 's3cret');

    const options = last();
    expect(options.jsonData.username).toBe('monitor');
    expect(options.secureJsonData).toEqual({ password: 's3cret' });
    expect(JSON.stringify(options.jsonData)).not.toContain('s3cret');
  });

  it('never shows a stored password and can reset it', async () => {
    const { user, last } = setup({ nodes: [{ address: 'a:6379' }] }, { password: true });
    const input = screen.getByTestId(s.auth.password);
    expect(input).toBeDisabled();
    expect(input).toHaveValue('configured');

    const field = input.parentElement!.parentElement!.parentElement!;
    await user.click(within(field).getByRole('button', { name: 'Reset' }));
    expect(last().secureJsonFields.password).toBe(false);
    expect(last().secureJsonData).toEqual({ password: '' });
    expect(screen.getByTestId(s.auth.password)).toBeEnabled();
  });

  it('shows the TLS fields when TLS is on, with secrets in secureJsonData', async () => {
    const { user, last } = setup({ nodes: [{ address: 'a:6379' }] });
    await user.click(screen.getByRole('button', { name: `Expand section ${CONFIG_TEXT.tls.title}` }));
    expect(screen.queryByTestId(s.tls.caCert)).not.toBeInTheDocument();

    await user.click(screen.getByTestId(s.tls.enabled));
    expect(last().jsonData.tlsEnabled).toBe(true);

    await user.type(screen.getByTestId(s.tls.caCert), '-----BEGIN CERTIFICATE-----');
    await user.type(screen.getByTestId(s.tls.clientCert), '-----BEGIN CERTIFICATE-----');
    expect(screen.getByText(MESSAGES.clientCertWithoutKey)).toBeInTheDocument();
    await user.type(screen.getByTestId(s.tls.clientKey), '-----BEGIN PRIVATE KEY-----');
    expect(screen.queryByText(MESSAGES.clientCertWithoutKey)).not.toBeInTheDocument();
    await user.type(screen.getByTestId(s.tls.serverName), 'redis.internal');

    const options = last();
    expect(options.jsonData).toEqual({
      nodes: [{ address: 'a:6379' }],
      tlsEnabled: true,
      tlsServerName: 'redis.internal',
    });
    expect(Object.keys(options.secureJsonData ?? {}).sort()).toEqual(['tlsCACert', 'tlsClientCert', 'tlsClientKey']);
  });

  it('opens the TLS section for a rediss:// node and warns about skip-verify', async () => {
    const { user, last } = setup({ nodes: [{ address: 'rediss://a:6380' }] });
    expect(screen.getByText(CONFIG_TEXT.tls.rediss)).toBeInTheDocument();
    expect(screen.queryByTestId(s.tls.skipVerifyWarning)).not.toBeInTheDocument();

    await user.click(screen.getByTestId(s.tls.skipVerify));
    expect(last().jsonData.tlsSkipVerify).toBe(true);
    expect(screen.getByTestId(s.tls.skipVerifyWarning)).toHaveTextContent(CONFIG_TEXT.tls.skipVerifyWarningTitle);
  });

  it('shows stored TLS secrets as configured', () => {
    setup({ nodes: [{ address: 'a:6379' }], tlsEnabled: true }, { tlsCACert: true });
    expect(screen.getByTestId(s.tls.caCert)).toBeDisabled();
    expect(screen.getByTestId(s.tls.caCert)).toHaveValue('configured');
  });

  it('validates timeouts and concurrency', async () => {
    const { user, last } = setup({ nodes: [{ address: 'a:6379' }], connectTimeoutMs: 500 });
    const connect = screen.getByTestId(s.advanced.connectTimeout);
    expect(connect).toHaveValue(500);

    await user.clear(connect);
    expect(last().jsonData).not.toHaveProperty('connectTimeoutMs');
    await user.type(connect, '0');
    expect(last().jsonData.connectTimeoutMs).toBe(0);
    expect(screen.getByText(MESSAGES.timeoutNotPositive)).toBeInTheDocument();

    await user.type(screen.getByTestId(s.advanced.maxConcurrency), '5000');
    expect(screen.getByText(MESSAGES.concurrencyRange)).toBeInTheDocument();
  });
});

describe('ConfigEditor discovery', () => {
  const text = CONFIG_TEXT;
  const mode = (label: string) => screen.getByRole('radio', { name: label });

  it('starts in static mode and writes no discovery or coalescing setting unless changed', async () => {
    const { user, last } = setup({ nodes: [{ address: 'a:6379', name: 'primary' }] });
    expect(mode(text.discoveryMode.options.static.label)).toBeChecked();
    expect(screen.getByTestId(s.nodes.modeHelp)).toHaveTextContent(text.discoveryMode.options.static.description);
    expect(screen.getByTestId(s.nodes.name(0))).toHaveValue('primary');
    expect(screen.queryByTestId(s.nodes.namesNote)).not.toBeInTheDocument();
    expect(screen.queryByTestId(s.sentinel.section)).not.toBeInTheDocument();
    expect(screen.queryByTestId(s.discovery.section)).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: `Expand section ${CONFIG_TEXT.advanced.title}` }));
    const coalesce = screen.getByTestId(s.advanced.coalesceWindow);
    expect(coalesce).toHaveValue(null);
    expect(coalesce).toHaveAttribute('placeholder', String(DEFAULTS.coalesceWindowMs));

    await user.type(screen.getByTestId(s.auth.username), 'monitor');
    expect(last().jsonData).toEqual({ nodes: [{ address: 'a:6379', name: 'primary' }], username: 'monitor' });
  });

  it('switches to cluster: seeds without display names, address map and interval; back to static restores names', async () => {
    const { user, last } = setup({
      nodes: [
        { address: 'a:6379', name: 'primary' },
        { address: 'b:6379', name: 'replica' },
      ],
    });
    await user.click(mode(text.discoveryMode.options.cluster.label));

    expect(last().jsonData).toEqual({ discovery: 'cluster', nodes: [{ address: 'a:6379' }, { address: 'b:6379' }] });
    expect(screen.getByTestId(s.nodes.modeHelp)).toHaveTextContent(text.discoveryMode.options.cluster.description);
    expect(screen.getByText(text.nodeLists.cluster.description)).toBeInTheDocument();
    expect(
      within(screen.getByTestId(s.nodes.row(0))).getByText(`${text.nodeLists.cluster.address} *`)
    ).toBeInTheDocument();
    expect(screen.queryByTestId(s.nodes.name(0))).not.toBeInTheDocument();
    expect(screen.getByTestId(s.nodes.namesNote)).toHaveTextContent(text.namesNote);
    expect(screen.getByTestId(s.nodes.add)).toHaveTextContent(text.nodeLists.cluster.add);
    expect(screen.getByTestId(s.discovery.section)).toBeInTheDocument();
    expect(screen.getByTestId(s.discovery.interval)).toHaveAttribute(
      'placeholder',
      String(DEFAULTS.discoveryIntervalMs)
    );
    expect(screen.queryByTestId(s.sentinel.section)).not.toBeInTheDocument();
    expect(screen.getByText(text.auth.clusterDescription)).toBeInTheDocument();

    await user.type(screen.getByTestId(s.discovery.interval), '5000');
    expect(last().jsonData.discoveryIntervalMs).toBe(5000);

    await user.click(mode(text.discoveryMode.options.static.label));
    expect(last().jsonData).toEqual({
      nodes: [
        { address: 'a:6379', name: 'primary' },
        { address: 'b:6379', name: 'replica' },
      ],
    });
    expect(screen.queryByTestId(s.discovery.section)).not.toBeInTheDocument();
    expect(screen.getByTestId(s.nodes.name(1))).toHaveValue('replica');

    // The interval typed in cluster mode comes back with it.
    await user.click(mode(text.discoveryMode.options.cluster.label));
    expect(last().jsonData.discoveryIntervalMs).toBe(5000);
  });

  it('sentinel mode: masters and the sentinels own credentials, the password in secureJsonData only', async () => {
    const { user, last } = setup({ nodes: [{ address: 'sentinel-1:26379' }] }, { password: true });
    await user.click(mode(text.discoveryMode.options.sentinel.label));
    expect(screen.getByText(text.nodeLists.sentinel.description)).toBeInTheDocument();
    expect(screen.getByTestId(s.nodes.add)).toHaveTextContent(text.nodeLists.sentinel.add);
    expect(screen.getByTestId(s.sentinel.section)).toBeInTheDocument();
    expect(screen.getByTestId(s.discovery.section)).toBeInTheDocument();
    expect(screen.getByText(text.auth.sentinelDescription)).toBeInTheDocument();

    const masters = within(screen.getByTestId(s.sentinel.masters)).getByRole('textbox');
    await user.type(masters, 'mymaster{Enter}');
    await user.type(masters, ' sessions {Enter}');
    await user.type(screen.getByTestId(s.sentinel.username), 'watcher');
    await user.type(screen.getByTestId(s.sentinel.password), 's3ntinel');

    const options = last();
    expect(options.jsonData).toEqual({
      discovery: 'sentinel',
      nodes: [{ address: 'sentinel-1:26379' }],
      sentinelMasters: ['mymaster', 'sessions'],
      sentinelUsername: 'watcher',
    });
    expect(options.secureJsonData).toEqual({ sentinelPassword: 's3ntinel' });
    expect(JSON.stringify(options.jsonData)).not.toContain('s3ntinel');
    // The data nodes' password is another secret: still stored, untouched.
    expect(options.secureJsonFields).toEqual({ password: true });
    expect(screen.getByTestId(s.auth.password)).toHaveValue('configured');

    await user.click(screen.getByRole('button', { name: 'Remove tag: mymaster' }));
    await user.click(screen.getByRole('button', { name: 'Remove tag: sessions' }));
    expect(last().jsonData).not.toHaveProperty('sentinelMasters');
  });

  it('drops the sentinel settings when leaving sentinel mode, and puts them back on return', async () => {
    const sentinel: RedisJsonData = {
      discovery: 'sentinel',
      nodes: [{ address: 's1:26379' }],
      sentinelMasters: ['mymaster'],
      sentinelUsername: 'watcher',
      addressMap: [{ from: '10.0.0.5:6379', to: 'redis-a:16379' }],
    };
    const { user, last } = setup(sentinel, { sentinelPassword: true });
    expect(mode(text.discoveryMode.options.sentinel.label)).toBeChecked();
    expect(screen.getByTestId(s.sentinel.password)).toHaveValue('configured');
    expect(screen.getByTestId(s.discovery.mapFrom(0))).toHaveValue('10.0.0.5:6379');

    await user.click(mode(text.discoveryMode.options.cluster.label));
    expect(last().jsonData).toEqual({
      discovery: 'cluster',
      nodes: [{ address: 's1:26379' }],
      addressMap: [{ from: '10.0.0.5:6379', to: 'redis-a:16379' }],
    });
    // The stored sentinel password is deleted on save, like Reset does.
    expect(last().secureJsonFields.sentinelPassword).toBe(false);
    expect(last().secureJsonData).toEqual({ sentinelPassword: '' });
    expect(screen.queryByTestId(s.sentinel.section)).not.toBeInTheDocument();

    await user.click(mode(text.discoveryMode.options.sentinel.label));
    expect(last().jsonData).toEqual(sentinel);
    expect(last().secureJsonFields.sentinelPassword).toBe(true);
    expect(last().secureJsonData).toEqual({});
    expect(screen.getByTestId(s.sentinel.password)).toHaveValue('configured');

    await user.click(mode(text.discoveryMode.options.static.label));
    expect(last().jsonData).toEqual({ nodes: [{ address: 's1:26379' }] });
  });

  it('reports an empty master name from provisioned settings', () => {
    setup({ discovery: 'sentinel', nodes: [{ address: 's1:26379' }], sentinelMasters: ['mymaster', ' '] });
    expect(screen.getByTestId(s.sentinel.masters)).toHaveTextContent(MESSAGES.masterBlank(2));
  });

  it('resets a stored sentinel password', async () => {
    const { user, last } = setup(
      { discovery: 'sentinel', nodes: [{ address: 's1:26379' }] },
      { sentinelPassword: true }
    );
    const input = screen.getByTestId(s.sentinel.password);
    expect(input).toBeDisabled();
    await user.click(within(input.parentElement!.parentElement!.parentElement!).getByRole('button', { name: 'Reset' }));
    expect(last().secureJsonFields.sentinelPassword).toBe(false);
    expect(last().secureJsonData).toEqual({ sentinelPassword: '' });
    expect(screen.getByTestId(s.sentinel.password)).toBeEnabled();
  });

  it('validates the address map: both sides host:port, each announced address once', async () => {
    const { user, last } = setup({ discovery: 'cluster', nodes: [{ address: 'seed:6379' }] });
    expect(screen.getByText(text.discovery.empty)).toBeInTheDocument();
    await user.click(screen.getByTestId(s.discovery.mapAdd));
    expect(last().jsonData.addressMap).toEqual([{ from: '', to: '' }]);

    const from = screen.getByTestId(s.discovery.mapFrom(0));
    const to = screen.getByTestId(s.discovery.mapTo(0));
    const row = () => screen.getByTestId(s.discovery.mapRow(0));
    await user.type(from, '10.0.0.5');
    expect(within(row()).getByText(MESSAGES.mapMissingPort('Announced address', '10.0.0.5'))).toBeVisible();
    await user.type(from, ':6379');
    // "Dial" is reported empty only once the user has left it.
    expect(within(row()).queryByRole('alert')).not.toBeInTheDocument();
    await user.click(to);
    await user.tab();
    expect(within(row()).getByText(MESSAGES.mapEmpty('Dial address'))).toBeVisible();
    await user.type(to, 'redis://redis-a:16379');
    expect(within(row()).getByText(MESSAGES.mapNotHostPort('Dial address', 'redis://redis-a:16379'))).toBeVisible();
    await user.clear(to);
    await user.type(to, 'redis-a:16379');
    expect(within(row()).queryByRole('alert')).not.toBeInTheDocument();
    expect(last().jsonData.addressMap).toEqual([{ from: '10.0.0.5:6379', to: 'redis-a:16379' }]);

    await user.click(screen.getByTestId(s.discovery.mapAdd));
    await user.type(screen.getByTestId(s.discovery.mapFrom(1)), '10.0.0.5:6379');
    expect(screen.getByText(MESSAGES.mapDuplicate('10.0.0.5:6379', 1))).toBeVisible();

    await user.click(screen.getByTestId(s.discovery.mapRemove(1)));
    await user.click(screen.getByTestId(s.discovery.mapRemove(0)));
    expect(last().jsonData).not.toHaveProperty('addressMap');
  });

  it('validates the discovery interval and the coalesce window, 0 being a valid window', async () => {
    const { user, last } = setup({ discovery: 'sentinel', nodes: [{ address: 's1:26379' }] });
    const interval = screen.getByTestId(s.discovery.interval);
    await user.type(interval, '500');
    expect(screen.getByText(MESSAGES.intervalTooShort)).toBeInTheDocument();
    await user.clear(interval);
    expect(last().jsonData).not.toHaveProperty('discoveryIntervalMs');
    await user.type(interval, '300001');
    expect(screen.getByText(MESSAGES.intervalTooLong)).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: `Expand section ${CONFIG_TEXT.advanced.title}` }));
    const coalesce = screen.getByTestId(s.advanced.coalesceWindow);
    await user.type(coalesce, '0');
    expect(last().jsonData.coalesceWindowMs).toBe(0);
    expect(screen.queryByText(MESSAGES.coalesceNegative)).not.toBeInTheDocument();
    await user.clear(coalesce);
    expect(last().jsonData).not.toHaveProperty('coalesceWindowMs');
    await user.type(coalesce, '60001');
    expect(screen.getByText(MESSAGES.coalesceTooLong)).toBeInTheDocument();
  });

  it('opens the advanced section for a stored coalesce window in every mode', () => {
    setup({ nodes: [{ address: 'a:6379' }], coalesceWindowMs: 0 });
    expect(screen.getByTestId(s.advanced.coalesceWindow)).toHaveValue(0);
  });

  it('says which list is empty and rejects a socket seed', async () => {
    const { user } = setup({ discovery: 'cluster' });
    expect(screen.getByTestId(s.nodes.listError)).toHaveTextContent(MESSAGES.noSeeds);
    await user.click(mode(text.discoveryMode.options.sentinel.label));
    expect(screen.getByTestId(s.nodes.listError)).toHaveTextContent(MESSAGES.noSentinels);
    await user.click(mode(text.discoveryMode.options.cluster.label));
    await user.click(screen.getByTestId(s.nodes.add));
    await user.type(screen.getByTestId(s.nodes.address(0)), '/run/redis.sock');
    expect(screen.getByText(MESSAGES.socketAddress('/run/redis.sock', 'seed'))).toBeInTheDocument();
  });

  it('reports a discovery value that is not a mode', async () => {
    const { user, last } = setup({ discovery: 'consul' as DiscoveryMode, nodes: [{ address: 'a:6379' }] });
    expect(screen.getByTestId(s.nodes.modeError)).toHaveTextContent(MESSAGES.unknownMode('consul'));
    for (const option of DISCOVERY_MODES) {
      expect(mode(text.discoveryMode.options[option].label)).not.toBeChecked();
    }
    await user.click(mode(text.discoveryMode.options.static.label));
    expect(last().jsonData).toEqual({ nodes: [{ address: 'a:6379' }] });
    expect(screen.queryByText(MESSAGES.unknownMode('consul'))).not.toBeInTheDocument();
  });
});

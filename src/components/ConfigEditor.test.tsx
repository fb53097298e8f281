import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import { CONFIG_TEXT, MESSAGES } from '../labels';
import { Selectors } from '../selectors';
import { ConfigEditorHarness, makeSettings } from '../testing/fixtures';
import { RedisJsonData, RedisSecureJsonData } from '../types';
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

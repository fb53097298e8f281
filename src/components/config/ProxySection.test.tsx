import { config } from '@grafana/runtime';
import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React from 'react';

import { Selectors } from '../../selectors';
import { ConfigEditorHarness, makeSettings } from '../../testing/fixtures';
import { RedisJsonData } from '../../types';
import { RedisSettings } from './options';

jest.mock('@grafana/runtime', () => {
  const actual = jest.requireActual('@grafana/runtime');
  return { ...actual, config: { ...actual.config, secureSocksDSProxyEnabled: false } };
});

const section = Selectors.config.proxy.section;

function setup(jsonData: RedisJsonData) {
  const onChange = jest.fn<void, [RedisSettings]>();
  const user = userEvent.setup({ delay: null });
  render(<ConfigEditorHarness initial={makeSettings(jsonData)} onChange={onChange} />);
  return { onChange, user };
}

describe('secure SOCKS proxy section', () => {
  afterEach(() => {
    config.secureSocksDSProxyEnabled = false;
  });

  it('is hidden when Grafana does not offer the proxy', () => {
    setup({ nodes: [{ address: 'a:6379' }], enableSecureSocksProxy: true });
    expect(screen.queryByTestId(section)).not.toBeInTheDocument();
  });

  it("shows Grafana's switch when Grafana offers the proxy, and turns it on", async () => {
    config.secureSocksDSProxyEnabled = true;
    const { onChange, user } = setup({ nodes: [{ address: 'a:6379' }] });
    const proxySwitch = within(screen.getByTestId(section)).getByRole('switch');
    expect(proxySwitch).not.toBeChecked();

    await user.click(proxySwitch);

    const saved = onChange.mock.calls[onChange.mock.calls.length - 1][0];
    expect(saved.jsonData.enableSecureSocksProxy).toBe(true);
    expect(saved.jsonData.nodes).toEqual([{ address: 'a:6379' }]);
    expect(within(screen.getByTestId(section)).getByRole('switch')).toBeChecked();
  });

  it('shows a saved switch as on', () => {
    config.secureSocksDSProxyEnabled = true;
    setup({ nodes: [{ address: 'a:6379' }], enableSecureSocksProxy: true });
    expect(within(screen.getByTestId(section)).getByRole('switch')).toBeChecked();
  });
});

import { screen } from '@testing-library/react';
import React from 'react';

import { CONFIG_TEXT, MESSAGES } from '../../labels';
import { Selectors } from '../../selectors';
import { renderSection } from '../../testing/sections';
import { RedisJsonData, RedisSecureJsonData } from '../../types';
import { TLSSection } from './TLSSection';

const text = CONFIG_TEXT.tls;
const s = Selectors.config.tls;
const PLAIN: RedisJsonData = { nodes: [{ address: 'a:6379' }] };

function setup(
  jsonData: RedisJsonData = PLAIN,
  secureJsonFields: Record<string, boolean> = {},
  secureJsonData?: RedisSecureJsonData
) {
  return renderSection(
    (settings, problems) => <TLSSection {...settings} problems={problems} />,
    jsonData,
    secureJsonFields,
    secureJsonData
  );
}

describe('TLSSection', () => {
  it('starts collapsed without TLS, and the switch shows the certificates', async () => {
    const { user, last } = setup();
    expect(screen.queryByTestId(s.enabled)).not.toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: `Expand section ${text.title}` }));
    expect(screen.queryByTestId(s.caCert)).not.toBeInTheDocument();

    await user.click(screen.getByTestId(s.enabled));
    expect(last().jsonData).toEqual({ ...PLAIN, tlsEnabled: true });
    expect(screen.getByTestId(s.caCert)).toHaveAttribute('placeholder', text.caCert.placeholder);
    expect(screen.queryByText(text.rediss)).not.toBeInTheDocument();

    await user.click(screen.getByTestId(s.enabled));
    expect(last().jsonData).toEqual(PLAIN);
    expect(screen.queryByTestId(s.caCert)).not.toBeInTheDocument();
  });

  it('opens for a rediss:// node and says the settings apply to it', () => {
    setup({ nodes: [{ address: 'a:6379' }, { address: 'rediss://b:6380' }] });
    expect(screen.getByText(text.rediss)).toBeInTheDocument();
    expect(screen.getByTestId(s.enabled)).not.toBeChecked();
    expect(screen.getByTestId(s.clientKey)).toBeInTheDocument();
  });

  it('checks the PEM text and the certificate/key pair as they are typed, into secureJsonData only', async () => {
    const { user, last } = setup({ ...PLAIN, tlsEnabled: true });
    await user.type(screen.getByTestId(s.caCert), 'not a certificate');
    expect(screen.getByText(MESSAGES.notPemCertificate)).toBeInTheDocument();

    await user.type(screen.getByTestId(s.clientKey), '-----BEGIN EC PRIVATE KEY-----');
    expect(screen.getByText(MESSAGES.clientKeyWithoutCert)).toBeInTheDocument();
    await user.type(screen.getByTestId(s.clientCert), '-----BEGIN CERTIFICATE-----');
    expect(screen.queryByText(MESSAGES.clientKeyWithoutCert)).not.toBeInTheDocument();

    expect(last().secureJsonData).toEqual({
      tlsCACert: 'not a certificate',
      tlsClientKey: '-----BEGIN EC PRIVATE KEY-----',
      tlsClientCert: '-----BEGIN CERTIFICATE-----',
    });
    expect(last().jsonData).toEqual({ ...PLAIN, tlsEnabled: true });
  });

  it('counts a stored client certificate as set, and Reset of it asks for it again', async () => {
    const { user, last } = setup({ ...PLAIN, tlsEnabled: true }, { tlsClientCert: true, tlsClientKey: true });
    expect(screen.getByTestId(s.clientCert)).toHaveValue('configured');
    expect(screen.queryByText(MESSAGES.clientKeyWithoutCert)).not.toBeInTheDocument();

    // The fields are in order: CA certificate (not stored), client certificate, client key.
    await user.click(screen.getAllByRole('button', { name: 'Reset' })[0]);
    expect(last().secureJsonFields).toEqual({ tlsClientCert: false, tlsClientKey: true });
    expect(last().secureJsonData).toEqual({ tlsClientCert: '' });
    expect(screen.getByText(MESSAGES.clientKeyWithoutCert)).toBeInTheDocument();
  });

  it('stores the server name, and warns while verification is skipped', async () => {
    const { user, last } = setup({ ...PLAIN, tlsEnabled: true });
    await user.type(screen.getByTestId(s.serverName), 'redis.internal');
    expect(last().jsonData.tlsServerName).toBe('redis.internal');
    expect(screen.queryByTestId(s.skipVerifyWarning)).not.toBeInTheDocument();

    await user.click(screen.getByLabelText(text.skipVerify.label, { exact: false }));
    expect(last().jsonData.tlsSkipVerify).toBe(true);
    expect(screen.getByTestId(s.skipVerifyWarning)).toHaveTextContent(text.skipVerifyWarning);

    await user.click(screen.getByTestId(s.skipVerify));
    expect(last().jsonData).not.toHaveProperty('tlsSkipVerify');
    expect(screen.queryByTestId(s.skipVerifyWarning)).not.toBeInTheDocument();
  });
});

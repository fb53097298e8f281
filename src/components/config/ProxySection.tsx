import { config } from '@grafana/runtime';
import { Divider, SecureSocksProxySettings, Text } from '@grafana/ui';
import React from 'react';

import { CONFIG_TEXT } from '../../labels';
import { Selectors } from '../../selectors';
import { RedisSettings } from './options';

interface Props {
  options: RedisSettings;
  onOptionsChange: (options: RedisSettings) => void;
}

/**
 * Grafana's standard secure SOCKS proxy switch (jsonData.enableSecureSocksProxy), shown only when
 * Grafana offers the proxy: elsewhere the switch would do nothing.
 */
export function ProxySection({ options, onOptionsChange }: Props) {
  if (!config.secureSocksDSProxyEnabled) {
    return null;
  }
  return (
    <>
      <Divider />
      <div data-testid={Selectors.config.proxy.section}>
        <SecureSocksProxySettings options={options} onOptionsChange={onOptionsChange} />
        <Text color="secondary" variant="bodySmall">
          {CONFIG_TEXT.proxy.description}
        </Text>
      </div>
    </>
  );
}

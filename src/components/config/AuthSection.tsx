import { ConfigSection } from '@grafana/plugin-ui';
import { Field, Input, SecretInput } from '@grafana/ui';
import React from 'react';

import { CONFIG_TEXT } from '../../labels';
import { Selectors } from '../../selectors';
import { DiscoveryMode } from '../../types';
import { RedisSettings, resetSecret, updateJsonData, updateSecret } from './options';

interface Props {
  options: RedisSettings;
  onOptionsChange: (options: RedisSettings) => void;
  mode?: DiscoveryMode;
}

const text = CONFIG_TEXT.auth;

/** Whom these credentials are for depends on the discovery mode. */
const DESCRIPTIONS: Record<DiscoveryMode, string> = {
  static: text.description,
  cluster: text.clusterDescription,
  sentinel: text.sentinelDescription,
};

export function AuthSection({ options, onOptionsChange, mode }: Props) {
  return (
    <ConfigSection title={text.title} description={DESCRIPTIONS[mode ?? 'static']}>
      <Field label={text.username} description={text.usernameTooltip} htmlFor="redis-username">
        <Input
          id="redis-username"
          data-testid={Selectors.config.auth.username}
          width={40}
          value={options.jsonData.username ?? ''}
          placeholder={text.usernamePlaceholder}
          onChange={(event) =>
            onOptionsChange(updateJsonData(options, { username: event.currentTarget.value || undefined }))
          }
        />
      </Field>
      <Field label={text.password} description={text.passwordTooltip} htmlFor="redis-password">
        <SecretInput
          id="redis-password"
          data-testid={Selectors.config.auth.password}
          width={40}
          isConfigured={Boolean(options.secureJsonFields?.password)}
          value={options.secureJsonData?.password ?? ''}
          placeholder={text.passwordPlaceholder}
          onChange={(event) => onOptionsChange(updateSecret(options, 'password', event.currentTarget.value))}
          onReset={() => onOptionsChange(resetSecret(options, 'password'))}
        />
      </Field>
    </ConfigSection>
  );
}

import { ConfigSection } from '@grafana/plugin-ui';
import { Field, Input, SecretInput, TagsInput } from '@grafana/ui';
import React from 'react';

import { CONFIG_TEXT } from '../../labels';
import { Selectors } from '../../selectors';
import { SettingsProblems } from '../../validation/settings';
import { RedisSettings, resetSecret, updateJsonData, updateSecret } from './options';

interface Props {
  options: RedisSettings;
  onOptionsChange: (options: RedisSettings) => void;
  problems: Pick<SettingsProblems, 'sentinelMasters'>;
}

const text = CONFIG_TEXT.sentinel;
const selectors = Selectors.config.sentinel;

/** Sentinel mode only: which masters to watch and the sentinels' own credentials. */
export function SentinelSection({ options, onOptionsChange, problems }: Props) {
  const { jsonData } = options;
  return (
    <ConfigSection title={text.title} description={text.description}>
      <div data-testid={selectors.section}>
        <Field
          label={text.masters}
          description={text.mastersTooltip}
          htmlFor="redis-sentinel-masters"
          invalid={Boolean(problems.sentinelMasters)}
          error={problems.sentinelMasters}
          data-testid={selectors.masters}
        >
          <TagsInput
            id="redis-sentinel-masters"
            width={60}
            tags={jsonData.sentinelMasters ?? []}
            placeholder={text.mastersPlaceholder}
            addOnBlur
            onChange={(tags) => {
              // The backend trims the names too; an empty list means every master.
              const masters = [...new Set(tags.map((tag) => tag.trim()).filter((tag) => tag !== ''))];
              onOptionsChange(updateJsonData(options, { sentinelMasters: masters.length > 0 ? masters : undefined }));
            }}
          />
        </Field>
        <Field label={text.username} description={text.usernameTooltip} htmlFor="redis-sentinel-username">
          <Input
            id="redis-sentinel-username"
            data-testid={selectors.username}
            width={40}
            value={jsonData.sentinelUsername ?? ''}
            placeholder={text.usernamePlaceholder}
            onChange={(event) =>
              onOptionsChange(updateJsonData(options, { sentinelUsername: event.currentTarget.value || undefined }))
            }
          />
        </Field>
        <Field label={text.password} description={text.passwordTooltip} htmlFor="redis-sentinel-password">
          <SecretInput
            id="redis-sentinel-password"
            data-testid={selectors.password}
            width={40}
            isConfigured={Boolean(options.secureJsonFields?.sentinelPassword)}
            value={options.secureJsonData?.sentinelPassword ?? ''}
            placeholder={text.passwordPlaceholder}
            onChange={(event) => onOptionsChange(updateSecret(options, 'sentinelPassword', event.currentTarget.value))}
            onReset={() => onOptionsChange(resetSecret(options, 'sentinelPassword'))}
          />
        </Field>
      </div>
    </ConfigSection>
  );
}

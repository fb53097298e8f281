import { ConfigSection } from '@grafana/plugin-ui';
import { Field, Input } from '@grafana/ui';
import React from 'react';

import { CONFIG_TEXT } from '../../labels';
import { Selectors } from '../../selectors';
import { DEFAULTS, RedisJsonData } from '../../types';
import { SettingsProblems } from '../../validation/settings';
import { parseOptionalNumber, RedisSettings, updateJsonData } from './options';

interface Props {
  options: RedisSettings;
  onOptionsChange: (options: RedisSettings) => void;
  problems: Pick<SettingsProblems, NumberKey>;
}

type NumberKey = 'connectTimeoutMs' | 'readTimeoutMs' | 'maxConcurrency' | 'coalesceWindowMs';

const text = CONFIG_TEXT.advanced;
const FIELDS: Array<{ key: NumberKey; label: string; description: string; testId: string }> = [
  {
    key: 'connectTimeoutMs',
    label: text.connectTimeout,
    description: text.connectTimeoutTooltip,
    testId: Selectors.config.advanced.connectTimeout,
  },
  {
    key: 'readTimeoutMs',
    label: text.readTimeout,
    description: text.readTimeoutTooltip,
    testId: Selectors.config.advanced.readTimeout,
  },
  {
    key: 'maxConcurrency',
    label: text.maxConcurrency,
    description: text.maxConcurrencyTooltip,
    testId: Selectors.config.advanced.maxConcurrency,
  },
  {
    key: 'coalesceWindowMs',
    label: text.coalesceWindow,
    description: text.coalesceWindowTooltip,
    testId: Selectors.config.advanced.coalesceWindow,
  },
];

export function AdvancedSection({ options, onOptionsChange, problems }: Props) {
  const jsonData: RedisJsonData = options.jsonData;
  const open = FIELDS.some(({ key }) => jsonData[key] !== undefined || problems[key] !== undefined);

  return (
    <ConfigSection title={text.title} description={text.description} isCollapsible isInitiallyOpen={open}>
      {FIELDS.map(({ key, label, description, testId }) => (
        <Field
          key={key}
          label={label}
          description={description}
          htmlFor={`redis-${key}`}
          invalid={Boolean(problems[key])}
          error={problems[key]}
        >
          <Input
            id={`redis-${key}`}
            data-testid={testId}
            type="number"
            width={20}
            value={jsonData[key] ?? ''}
            placeholder={String(DEFAULTS[key])}
            onChange={(event) =>
              onOptionsChange(updateJsonData(options, { [key]: parseOptionalNumber(event.currentTarget.value) }))
            }
          />
        </Field>
      ))}
    </ConfigSection>
  );
}

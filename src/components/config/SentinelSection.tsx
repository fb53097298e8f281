import { ConfigSection } from '@grafana/plugin-ui';
import { TagsInput } from '@grafana/ui';
import React from 'react';

import { CONFIG_TEXT } from '../../labels';
import { Selectors } from '../../selectors';
import { SettingsProblems } from '../../validation/settings';
import { SettingsEditorProps, updateJsonData } from './options';
import { SecretSetting, SettingField, TextSetting } from './SettingFields';

interface Props extends SettingsEditorProps {
  problems: Pick<SettingsProblems, 'sentinelMasters'>;
}

const text = CONFIG_TEXT.sentinel;
const selectors = Selectors.config.sentinel;

/** Sentinel mode only: which masters to watch and the sentinels' own credentials. */
export function SentinelSection({ problems, ...settings }: Props) {
  const { options, onOptionsChange } = settings;
  return (
    <ConfigSection title={text.title} description={text.description}>
      <div data-testid={selectors.section}>
        <SettingField
          text={text.masters}
          htmlFor="redis-sentinel-masters"
          problem={problems.sentinelMasters}
          testId={selectors.masters}
        >
          <TagsInput
            id="redis-sentinel-masters"
            width={60}
            tags={options.jsonData.sentinelMasters ?? []}
            placeholder={text.masters.placeholder}
            addOnBlur
            onChange={(tags) => {
              // The backend trims the names too; an empty list means every master.
              const masters = [...new Set(tags.map((tag) => tag.trim()).filter((tag) => tag !== ''))];
              onOptionsChange(updateJsonData(options, { sentinelMasters: masters.length > 0 ? masters : undefined }));
            }}
          />
        </SettingField>
        <TextSetting {...settings} setting="sentinelUsername" text={text.username} testId={selectors.username} />
        <SecretSetting {...settings} setting="sentinelPassword" text={text.password} testId={selectors.password} />
      </div>
    </ConfigSection>
  );
}

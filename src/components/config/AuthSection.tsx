import { ConfigSection } from '@grafana/plugin-ui';
import React from 'react';

import { CONFIG_TEXT } from '../../labels';
import { Selectors } from '../../selectors';
import { DiscoveryMode } from '../../types';
import { SettingsEditorProps } from './options';
import { SecretSetting, TextSetting } from './SettingFields';

interface Props extends SettingsEditorProps {
  mode?: DiscoveryMode;
}

const text = CONFIG_TEXT.auth;
const selectors = Selectors.config.auth;

/** Whom these credentials are for depends on the discovery mode. */
const DESCRIPTIONS: Record<DiscoveryMode, string> = {
  static: text.description,
  cluster: text.clusterDescription,
  sentinel: text.sentinelDescription,
};

export function AuthSection({ mode, ...settings }: Props) {
  return (
    <ConfigSection title={text.title} description={DESCRIPTIONS[mode ?? 'static']}>
      <TextSetting {...settings} setting="username" text={text.username} testId={selectors.username} />
      <SecretSetting {...settings} setting="password" text={text.password} testId={selectors.password} />
    </ConfigSection>
  );
}

import { ConfigSection } from '@grafana/plugin-ui';
import React from 'react';

import { CONFIG_TEXT, FieldText } from '../../labels';
import { Selectors } from '../../selectors';
import { SettingsProblems } from '../../validation/settings';
import { SettingsEditorProps } from './options';
import { NumberSetting } from './SettingFields';

type NumberKey = 'connectTimeoutMs' | 'readTimeoutMs' | 'maxConcurrency' | 'coalesceWindowMs';

interface Props extends SettingsEditorProps {
  problems: Pick<SettingsProblems, NumberKey>;
}

const text = CONFIG_TEXT.advanced;
const selectors = Selectors.config.advanced;

const FIELDS: Array<{ setting: NumberKey; text: FieldText; testId: string }> = [
  { setting: 'connectTimeoutMs', text: text.connectTimeout, testId: selectors.connectTimeout },
  { setting: 'readTimeoutMs', text: text.readTimeout, testId: selectors.readTimeout },
  { setting: 'maxConcurrency', text: text.maxConcurrency, testId: selectors.maxConcurrency },
  { setting: 'coalesceWindowMs', text: text.coalesceWindow, testId: selectors.coalesceWindow },
];

/** Collapsed unless a value is set or wrong: the defaults suit most setups. */
export function AdvancedSection({ problems, ...settings }: Props) {
  const { jsonData } = settings.options;
  const open = FIELDS.some(({ setting }) => jsonData[setting] !== undefined || problems[setting] !== undefined);

  return (
    <ConfigSection title={text.title} description={text.description} isCollapsible isInitiallyOpen={open}>
      {FIELDS.map((field) => (
        <NumberSetting key={field.setting} {...settings} {...field} problem={problems[field.setting]} />
      ))}
    </ConfigSection>
  );
}

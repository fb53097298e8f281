/**
 * Renders one section of the configuration page on its own, for the section tests: like
 * ConfigEditor, the harness owns the settings, checks them and passes both back on every change.
 */
import { render } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, { ReactElement, useState } from 'react';

import { RedisSettings, SettingsEditorProps } from '../components/config/options';
import { RedisJsonData, RedisSecureJsonData } from '../types';
import { SettingsProblems, validateSettings } from '../validation/settings';
import { makeSettings } from './fixtures';

export type SectionUnderTest = (settings: SettingsEditorProps, problems: SettingsProblems) => ReactElement;

export function renderSection(
  section: SectionUnderTest,
  jsonData: RedisJsonData = {},
  secureJsonFields: Record<string, boolean> = {},
  secureJsonData?: RedisSecureJsonData
) {
  const onOptionsChange = jest.fn<void, [RedisSettings]>();

  function Harness() {
    const [options, setOptions] = useState(makeSettings(jsonData, secureJsonFields, secureJsonData));
    const problems = validateSettings(options.jsonData, options.secureJsonFields, options.secureJsonData);
    const onChange = (next: RedisSettings) => {
      setOptions(next);
      onOptionsChange(next);
    };
    return section({ options, onOptionsChange: onChange }, problems);
  }

  const user = userEvent.setup({ delay: null });
  render(<Harness />);
  /** The settings as the section last handed them back. */
  const last = () => onOptionsChange.mock.calls[onOptionsChange.mock.calls.length - 1][0];
  return { onOptionsChange, user, last };
}

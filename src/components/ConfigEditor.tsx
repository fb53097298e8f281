import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { DataSourceDescription } from '@grafana/plugin-ui';
import { Divider } from '@grafana/ui';
import React, { useMemo } from 'react';

import { CONFIG_TEXT } from '../labels';
import { RedisJsonData, RedisSecureJsonData } from '../types';
import { validateSettings } from '../validation';
import { AdvancedSection } from './config/AdvancedSection';
import { AuthSection } from './config/AuthSection';
import { NodesSection } from './config/NodesSection';
import { updateJsonData } from './config/options';
import { TLSSection } from './config/TLSSection';

export type ConfigEditorProps = DataSourcePluginOptionsEditorProps<RedisJsonData, RedisSecureJsonData>;

export function ConfigEditor({ options, onOptionsChange }: ConfigEditorProps) {
  const problems = useMemo(
    () => validateSettings(options.jsonData, options.secureJsonFields, options.secureJsonData),
    [options.jsonData, options.secureJsonFields, options.secureJsonData]
  );

  return (
    <>
      <DataSourceDescription
        dataSourceName={CONFIG_TEXT.dataSourceName}
        docsLink={CONFIG_TEXT.docsLink}
        hasRequiredFields
      />
      <Divider />
      <NodesSection
        nodes={options.jsonData.nodes ?? []}
        problems={problems}
        onChange={(nodes) => onOptionsChange(updateJsonData(options, { nodes }))}
      />
      <Divider />
      <AuthSection options={options} onOptionsChange={onOptionsChange} />
      <Divider />
      <TLSSection options={options} onOptionsChange={onOptionsChange} problems={problems} />
      <Divider />
      <AdvancedSection options={options} onOptionsChange={onOptionsChange} problems={problems} />
    </>
  );
}

import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { DataSourceDescription } from '@grafana/plugin-ui';
import { Divider } from '@grafana/ui';
import React, { useMemo, useRef } from 'react';

import { CONFIG_TEXT } from '../labels';
import { DiscoveryMode, RedisJsonData, RedisSecureJsonData } from '../types';
import { discoveryMode, discovers, validateSettings } from '../validation/settings';
import { AdvancedSection } from './config/AdvancedSection';
import { AuthSection } from './config/AuthSection';
import { DiscoverySection } from './config/DiscoverySection';
import { NodesSection } from './config/NodesSection';
import { DiscoveryStash, EMPTY_STASH, switchDiscovery, updateJsonData } from './config/options';
import { ProxySection } from './config/ProxySection';
import { SentinelSection } from './config/SentinelSection';
import { TLSSection } from './config/TLSSection';

export type ConfigEditorProps = DataSourcePluginOptionsEditorProps<RedisJsonData, RedisSecureJsonData>;

export function ConfigEditor({ options, onOptionsChange }: ConfigEditorProps) {
  const problems = useMemo(
    () => validateSettings(options.jsonData, options.secureJsonFields, options.secureJsonData),
    [options.jsonData, options.secureJsonFields, options.secureJsonData]
  );
  const mode = discoveryMode(options.jsonData.discovery);
  // What a mode switch took out, to put back if the user switches back before saving.
  const stash = useRef<DiscoveryStash>(EMPTY_STASH);

  const changeMode = (next: DiscoveryMode) => {
    if (next === mode) {
      return;
    }
    const switched = switchDiscovery(options, next, stash.current);
    stash.current = switched.stash;
    onOptionsChange(switched.options);
  };

  return (
    <>
      <DataSourceDescription
        dataSourceName={CONFIG_TEXT.dataSourceName}
        docsLink={CONFIG_TEXT.docsLink}
        hasRequiredFields
      />
      <Divider />
      <NodesSection
        mode={mode}
        nodes={options.jsonData.nodes ?? []}
        problems={problems}
        onChange={(nodes) => onOptionsChange(updateJsonData(options, { nodes }))}
        onModeChange={changeMode}
      />
      {mode === 'sentinel' && (
        <>
          <Divider />
          <SentinelSection options={options} onOptionsChange={onOptionsChange} problems={problems} />
        </>
      )}
      {discovers(mode) && (
        <>
          <Divider />
          <DiscoverySection options={options} onOptionsChange={onOptionsChange} problems={problems} />
        </>
      )}
      <Divider />
      <AuthSection options={options} onOptionsChange={onOptionsChange} mode={mode} />
      <Divider />
      <TLSSection options={options} onOptionsChange={onOptionsChange} problems={problems} />
      <Divider />
      <AdvancedSection options={options} onOptionsChange={onOptionsChange} problems={problems} />
      <ProxySection options={options} onOptionsChange={onOptionsChange} />
    </>
  );
}

/**
 * Test helpers shared by the jest tests (not bundled: module.ts never imports them).
 */
import { DataSourceInstanceSettings, DataSourcePluginMeta, ScopedVars } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';
import React, { useState } from 'react';

import { ConfigEditor } from '../components/ConfigEditor';
import { RedisSettings } from '../components/config/options';
import { RedisJsonData, RedisSecureJsonData } from '../types';

export function makeSettings(
  jsonData: RedisJsonData = {},
  secureJsonFields: Record<string, boolean> = {},
  secureJsonData?: RedisSecureJsonData
): RedisSettings {
  return {
    id: 1,
    uid: 'redis-uid',
    orgId: 1,
    name: 'Redis',
    type: 'persistwatch-redis-datasource',
    typeName: 'Redis Persistence',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    readOnly: false,
    withCredentials: false,
    jsonData,
    secureJsonFields,
    secureJsonData,
    // `database` (required, deprecated) is left out on purpose: this data source does not use it.
  } as RedisSettings;
}

export function makeInstanceSettings(jsonData: RedisJsonData = {}): DataSourceInstanceSettings<RedisJsonData> {
  return {
    id: 1,
    uid: 'redis-uid',
    type: 'persistwatch-redis-datasource',
    name: 'Redis',
    access: 'proxy',
    readOnly: false,
    jsonData,
    meta: { id: 'persistwatch-redis-datasource' } as DataSourcePluginMeta,
  };
}

/** Renders the config editor the way Grafana does: it owns the settings and passes them back. */
export function ConfigEditorHarness({
  initial,
  onChange,
}: {
  initial: RedisSettings;
  onChange: (options: RedisSettings) => void;
}) {
  const [options, setOptions] = useState(initial);
  return (
    <ConfigEditor
      options={options}
      onOptionsChange={(next) => {
        setOptions(next);
        onChange(next);
      }}
    />
  );
}

/**
 * A small TemplateSrv: `$name`, `${name}` and `[[name]]`; multi-value variables go through the
 * format function, as in Grafana.
 */
export function fakeTemplateSrv(variables: Record<string, string | string[]>): TemplateSrv {
  const pattern = /\$(\w+)|\$\{(\w+)\}|\[\[(\w+)\]\]/g;
  return {
    getVariables: () => Object.keys(variables).map((name) => ({ name }) as ReturnType<TemplateSrv['getVariables']>[0]),
    replace: (target?: string, scopedVars?: ScopedVars, format?: string | Function) =>
      (target ?? '').replace(pattern, (match, a, b, c) => {
        const name = a ?? b ?? c;
        const scoped = scopedVars?.[name]?.value;
        const value = scoped !== undefined ? scoped : variables[name];
        if (value === undefined) {
          return match;
        }
        if (typeof format === 'function') {
          return format(value);
        }
        return Array.isArray(value) ? `{${value.join(',')}}` : String(value);
      }),
    containsTemplate: (target?: string) => Boolean(target && target.match(pattern)),
    updateTimeRange: () => {},
  } as unknown as TemplateSrv;
}

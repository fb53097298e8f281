/**
 * Immutable updates of the data source settings. Secrets only ever go to secureJsonData.
 */
import { DataSourceSettings } from '@grafana/data';

import { RedisJsonData, RedisSecureJsonData, SecureKey } from '../../types';

export type RedisSettings = DataSourceSettings<RedisJsonData, RedisSecureJsonData>;

export function updateJsonData(options: RedisSettings, patch: Partial<RedisJsonData>): RedisSettings {
  const jsonData: RedisJsonData = { ...options.jsonData, ...patch };
  for (const key of Object.keys(patch) as Array<keyof RedisJsonData>) {
    if (patch[key] === undefined) {
      delete jsonData[key];
    }
  }
  return { ...options, jsonData };
}

/** Sets a secret that the user typed: it goes to secureJsonData only. */
export function updateSecret(options: RedisSettings, key: SecureKey, value: string): RedisSettings {
  return { ...options, secureJsonData: { ...options.secureJsonData, [key]: value } };
}

/** Forgets a stored secret: Grafana deletes it on save. */
export function resetSecret(options: RedisSettings, key: SecureKey): RedisSettings {
  return {
    ...options,
    secureJsonFields: { ...options.secureJsonFields, [key]: false },
    secureJsonData: { ...options.secureJsonData, [key]: '' },
  };
}

/** Parses a number input: empty means "use the default". */
export function parseOptionalNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') {
    return undefined;
  }
  const value = Number(trimmed);
  return Number.isNaN(value) ? undefined : value;
}

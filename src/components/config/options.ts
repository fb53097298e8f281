/**
 * Immutable updates of the data source settings. Secrets only ever go to secureJsonData.
 */
import { DataSourceSettings } from '@grafana/data';

import { DiscoveryMode, RedisJsonData, RedisNode, RedisSecureJsonData, SecureKey } from '../../types';
import { discoveryMode, discovers } from '../../validation/settings';

export type RedisSettings = DataSourceSettings<RedisJsonData, RedisSecureJsonData>;

/** What every section of the configuration page edits, as Grafana hands it over. */
export interface SettingsEditorProps {
  options: RedisSettings;
  onOptionsChange: (options: RedisSettings) => void;
}

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

/** jsonData keys that only apply in some discovery modes (static has none of them). */
const MODE_KEYS = {
  static: [],
  cluster: ['addressMap', 'discoveryIntervalMs'],
  sentinel: ['addressMap', 'discoveryIntervalMs', 'sentinelMasters', 'sentinelUsername'],
} as const satisfies Record<DiscoveryMode, ReadonlyArray<keyof RedisJsonData>>;

const ALL_MODE_KEYS: ReadonlyArray<keyof RedisJsonData> = MODE_KEYS.sentinel;

/**
 * What a mode switch took out of the settings, so that switching back before saving puts it back.
 * Lives as long as the editor is open; nothing of it is saved.
 */
export interface DiscoveryStash {
  jsonData: Partial<RedisJsonData>;
  /** Display names of static nodes, by address. */
  names: Record<string, string>;
  /** The sentinel password as it was: already stored, and/or typed in this session. */
  sentinelPassword?: { configured: boolean; typed?: string };
}

export const EMPTY_STASH: DiscoveryStash = { jsonData: {}, names: {} };

/**
 * Switches jsonData.discovery (absent means static) and keeps the saved settings to the ones the
 * new mode uses: the others, display names and the sentinel password included, go to the stash
 * and come back from it when their mode is chosen again.
 */
export function switchDiscovery(
  options: RedisSettings,
  next: DiscoveryMode,
  stash: DiscoveryStash
): { options: RedisSettings; stash: DiscoveryStash } {
  const applies = new Set<keyof RedisJsonData>(MODE_KEYS[next]);
  const jsonData: Record<string, unknown> = { ...options.jsonData };
  const stashed: Record<string, unknown> = { ...stash.jsonData };
  for (const key of ALL_MODE_KEYS) {
    if (!applies.has(key) && jsonData[key] !== undefined) {
      stashed[key] = jsonData[key];
      delete jsonData[key];
    } else if (applies.has(key) && jsonData[key] === undefined && stashed[key] !== undefined) {
      jsonData[key] = stashed[key];
      delete stashed[key];
    }
  }

  const names = { ...stash.names };
  const namesShown = !discovers(discoveryMode(options.jsonData.discovery));
  const nodes = options.jsonData.nodes;
  if (nodes) {
    jsonData.nodes = nodes.map((node): RedisNode => {
      if (next !== 'static') {
        if (node.name !== undefined) {
          names[node.address] = node.name;
        } else if (namesShown) {
          // Cleared on purpose: do not bring back an older name.
          delete names[node.address];
        }
        return { address: node.address };
      }
      const name = node.name ?? names[node.address];
      delete names[node.address];
      return name === undefined ? node : { ...node, name };
    });
  }

  if (next === 'static') {
    delete jsonData.discovery;
  } else {
    jsonData.discovery = next;
  }

  let result: RedisSettings = { ...options, jsonData: jsonData as RedisJsonData };
  let sentinelPassword = stash.sentinelPassword;
  const configured = Boolean(options.secureJsonFields?.sentinelPassword);
  const typed = options.secureJsonData?.sentinelPassword;
  if (next !== 'sentinel' && (configured || typed)) {
    sentinelPassword = { configured, typed: typed || undefined };
    if (configured) {
      result = resetSecret(result, 'sentinelPassword');
    } else {
      const secureJsonData = { ...result.secureJsonData };
      delete secureJsonData.sentinelPassword;
      result = { ...result, secureJsonData };
    }
  } else if (next === 'sentinel' && sentinelPassword && !configured && !typed) {
    const secureJsonData = { ...result.secureJsonData };
    if (sentinelPassword.typed) {
      secureJsonData.sentinelPassword = sentinelPassword.typed;
    } else {
      delete secureJsonData.sentinelPassword;
    }
    result = {
      ...result,
      secureJsonFields: { ...result.secureJsonFields, sentinelPassword: sentinelPassword.configured },
      secureJsonData,
    };
    sentinelPassword = undefined;
  }

  return { options: result, stash: { jsonData: stashed as Partial<RedisJsonData>, names, sentinelPassword } };
}

/**
 * Settings checks that mirror the backend's (pkg/settings), so the configuration page can say
 * what is wrong before "Save & test". Pure functions: no React, no Grafana runtime.
 */
import { MESSAGES } from '../labels';
import {
  AddressMapping,
  DISCOVERY_MODES,
  DiscoveryMode,
  LIMITS,
  RedisJsonData,
  RedisNode,
  RedisSecureJsonData,
  SecureKey,
} from '../types';
import { hostPortProblem, parseAddress } from './address';

export interface NodeProblems {
  address?: string;
  name?: string;
}

export interface AddressMappingProblems {
  from?: string;
  to?: string;
}

export interface SettingsProblems {
  /** An unknown jsonData.discovery value. */
  discovery?: string;
  /** About the list as a whole (e.g. empty). */
  nodes?: string;
  /** One entry per node, same order as jsonData.nodes. */
  nodeRows: NodeProblems[];
  sentinelMasters?: string;
  /** One entry per mapping, same order as jsonData.addressMap. */
  addressMapRows: AddressMappingProblems[];
  discoveryIntervalMs?: string;
  coalesceWindowMs?: string;
  connectTimeoutMs?: string;
  readTimeoutMs?: string;
  maxConcurrency?: string;
  tlsCACert?: string;
  tlsClientCert?: string;
  tlsClientKey?: string;
}

/** jsonData.discovery as a mode; undefined for a value that is not one. */
export function discoveryMode(value: unknown): DiscoveryMode | undefined {
  if (value === undefined || value === null || value === '') {
    return 'static';
  }
  return (DISCOVERY_MODES as readonly unknown[]).includes(value) ? (value as DiscoveryMode) : undefined;
}

/** Whether the mode reads the topology (cluster, sentinel) rather than a fixed list. */
export function discovers(mode: DiscoveryMode | undefined): boolean {
  return mode === 'cluster' || mode === 'sentinel';
}

const NO_NODES: Record<DiscoveryMode, string> = {
  static: MESSAGES.noNodes,
  cluster: MESSAGES.noSeeds,
  sentinel: MESSAGES.noSentinels,
};

/**
 * Checks the node list: addresses parse and are unique. Static nodes also have unique names;
 * seeds and sentinels have no names (the mode switch drops them), so theirs are not checked.
 */
export function validateNodes(
  nodes: RedisNode[] | undefined,
  mode: DiscoveryMode = 'static'
): Pick<SettingsProblems, 'nodes' | 'nodeRows'> {
  const list = nodes ?? [];
  if (list.length === 0) {
    return { nodes: NO_NODES[mode], nodeRows: [] };
  }
  if (mode !== 'static') {
    return { nodeRows: validateDiscoveryAddresses(list, mode) };
  }
  const seen = new Map<string, number>();
  const nodeRows = list.map((node, index): NodeProblems => {
    const parsed = parseAddress(node.address ?? '');
    if (!parsed.ok) {
      return { address: parsed.problem };
    }
    const address = node.address.trim();
    const name = (node.name ?? '').trim();
    const identities: Array<[string, keyof NodeProblems]> = [
      [name || address, name ? 'name' : 'address'],
      [address, 'address'],
    ];
    const problems: NodeProblems = {};
    for (const [identity, field] of identities) {
      const other = seen.get(identity);
      if (other !== undefined && other !== index) {
        problems[field] = problems[field] ?? MESSAGES.duplicate(identity, other + 1);
      }
      if (other === undefined) {
        seen.set(identity, index);
      }
    }
    return problems;
  });
  return { nodeRows };
}

function validateDiscoveryAddresses(list: RedisNode[], kind: 'cluster' | 'sentinel'): NodeProblems[] {
  const seen = new Map<string, number>();
  return list.map((node, index): NodeProblems => {
    const parsed = parseAddress(node.address ?? '');
    if (!parsed.ok) {
      return { address: parsed.problem };
    }
    const address = node.address.trim();
    const noun = kind === 'cluster' ? 'seed' : 'sentinel';
    // Discovered nodes are reached over TCP, and so are the seeds and sentinels (pkg/settings).
    if (parsed.node.network !== 'tcp') {
      return { address: MESSAGES.socketAddress(address, noun) };
    }
    const other = seen.get(address);
    if (other !== undefined) {
      return { address: MESSAGES.duplicateAddress(address, noun, other + 1) };
    }
    seen.set(address, index);
    return {};
  });
}

/** Checks the address map: both sides host:port, each announced address remapped once. */
export function validateAddressMap(map: AddressMapping[] | undefined): AddressMappingProblems[] {
  const seen = new Map<string, number>();
  return (map ?? []).map((mapping, index): AddressMappingProblems => {
    const problems: AddressMappingProblems = {};
    const from = hostPortProblem(mapping.from ?? '', MESSAGES.mapFromSide);
    const to = hostPortProblem(mapping.to ?? '', MESSAGES.mapToSide);
    if (from) {
      problems.from = from;
    } else {
      const key = mapping.from.trim();
      const other = seen.get(key);
      if (other !== undefined) {
        problems.from = MESSAGES.mapDuplicate(key, other + 1);
      } else {
        seen.set(key, index);
      }
    }
    if (to) {
      problems.to = to;
    }
    return problems;
  });
}

function mastersProblem(masters: string[] | undefined): string | undefined {
  const blank = (masters ?? []).findIndex((name) => (name ?? '').trim() === '');
  return blank < 0 ? undefined : MESSAGES.masterBlank(blank + 1);
}

/** Bounds of a whole-number setting, and what to say when a value is outside them. */
interface WholeNumberRule {
  notWhole: string;
  min: number;
  belowMin: string;
  max: number;
  aboveMax: string;
}

const DISCOVERY_INTERVAL: WholeNumberRule = {
  notWhole: MESSAGES.intervalNotWhole,
  min: LIMITS.minDiscoveryIntervalMs,
  belowMin: MESSAGES.intervalTooShort,
  max: LIMITS.maxDiscoveryIntervalMs,
  aboveMax: MESSAGES.intervalTooLong,
};

const COALESCE_WINDOW: WholeNumberRule = {
  notWhole: MESSAGES.coalesceNotWhole,
  min: 0,
  belowMin: MESSAGES.coalesceNegative,
  max: LIMITS.maxCoalesceWindowMs,
  aboveMax: MESSAGES.coalesceTooLong,
};

const TIMEOUT: WholeNumberRule = {
  notWhole: MESSAGES.notWholeNumber,
  min: 1,
  belowMin: MESSAGES.timeoutNotPositive,
  max: LIMITS.maxTimeoutMs,
  aboveMax: MESSAGES.timeoutTooLong,
};

const CONCURRENCY: WholeNumberRule = {
  notWhole: MESSAGES.notWholeNumber,
  min: 1,
  belowMin: MESSAGES.concurrencyRange,
  max: LIMITS.maxConcurrency,
  aboveMax: MESSAGES.concurrencyRange,
};

/** The problem of an optional whole-number setting; absent means the default, which is fine. */
function wholeNumberProblem(value: number | undefined, rule: WholeNumberRule): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!Number.isInteger(value)) {
    return rule.notWhole;
  }
  if (value < rule.min) {
    return rule.belowMin;
  }
  if (value > rule.max) {
    return rule.aboveMax;
  }
  return undefined;
}

/** Whether a secret is set: already stored (secureJsonFields) or typed now (secureJsonData). */
export function isSecretSet(
  key: SecureKey,
  secureJsonFields: Partial<Record<string, boolean>> | undefined,
  secureJsonData: RedisSecureJsonData | undefined
): boolean {
  return Boolean(secureJsonFields?.[key]) || Boolean(secureJsonData?.[key]);
}

function tlsProblems(
  secureJsonFields: Partial<Record<string, boolean>> | undefined,
  secureJsonData: RedisSecureJsonData | undefined
): Pick<SettingsProblems, 'tlsCACert' | 'tlsClientCert' | 'tlsClientKey'> {
  const problems: Pick<SettingsProblems, 'tlsCACert' | 'tlsClientCert' | 'tlsClientKey'> = {};
  const typed = secureJsonData ?? {};
  if (typed.tlsCACert && !typed.tlsCACert.includes('-----BEGIN CERTIFICATE-----')) {
    problems.tlsCACert = MESSAGES.notPemCertificate;
  }
  if (typed.tlsClientCert && !typed.tlsClientCert.includes('-----BEGIN CERTIFICATE-----')) {
    problems.tlsClientCert = MESSAGES.notPemCertificate;
  }
  if (typed.tlsClientKey && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(typed.tlsClientKey)) {
    problems.tlsClientKey = MESSAGES.notPemKey;
  }
  const cert = isSecretSet('tlsClientCert', secureJsonFields, secureJsonData);
  const key = isSecretSet('tlsClientKey', secureJsonFields, secureJsonData);
  if (cert && !key) {
    problems.tlsClientKey = problems.tlsClientKey ?? MESSAGES.clientCertWithoutKey;
  }
  if (key && !cert) {
    problems.tlsClientCert = problems.tlsClientCert ?? MESSAGES.clientKeyWithoutCert;
  }
  return problems;
}

/** Every problem of the settings a user is editing. */
export function validateSettings(
  jsonData: RedisJsonData,
  secureJsonFields?: Partial<Record<string, boolean>>,
  secureJsonData?: RedisSecureJsonData
): SettingsProblems {
  const mode = discoveryMode(jsonData.discovery);
  return {
    discovery: mode ? undefined : MESSAGES.unknownMode(String(jsonData.discovery)),
    ...validateNodes(jsonData.nodes, mode ?? 'static'),
    // Settings of other modes are not shown, so they are not reported either.
    sentinelMasters: mode === 'sentinel' ? mastersProblem(jsonData.sentinelMasters) : undefined,
    addressMapRows: discovers(mode) ? validateAddressMap(jsonData.addressMap) : [],
    discoveryIntervalMs: discovers(mode)
      ? wholeNumberProblem(jsonData.discoveryIntervalMs, DISCOVERY_INTERVAL)
      : undefined,
    coalesceWindowMs: wholeNumberProblem(jsonData.coalesceWindowMs, COALESCE_WINDOW),
    connectTimeoutMs: wholeNumberProblem(jsonData.connectTimeoutMs, TIMEOUT),
    readTimeoutMs: wholeNumberProblem(jsonData.readTimeoutMs, TIMEOUT),
    maxConcurrency: wholeNumberProblem(jsonData.maxConcurrency, CONCURRENCY),
    ...tlsProblems(secureJsonFields, secureJsonData),
  };
}

/**
 * Settings checks that mirror the backend's (pkg/settings), so the configuration page can say
 * what is wrong before "Save & test". Pure functions: no React, no Grafana runtime.
 */
import { MESSAGES } from './labels';
import {
  AddressMapping,
  DISCOVERY_MODES,
  DiscoveryMode,
  LIMITS,
  RedisJsonData,
  RedisNode,
  RedisSecureJsonData,
  SecureKey,
} from './types';

export type NodeNetwork = 'tcp' | 'unix';

export interface ParsedAddress {
  network: NodeNetwork;
  /** host:port or the socket path. */
  dial: string;
  /** Set by a rediss:// address. */
  tls: boolean;
}

export type AddressResult = { ok: true; node: ParsedAddress } | { ok: false; problem: string };

const DEFAULT_PORT = '6379';

function fail(problem: string): AddressResult {
  return { ok: false, problem };
}

/** Parses a node address the way the backend does; the problem never quotes credentials. */
export function parseAddress(raw: string): AddressResult {
  const address = raw.trim();
  if (address === '') {
    return fail(MESSAGES.addressEmpty);
  }
  // First, so that no later message repeats a password typed into the address.
  if (address.includes('@')) {
    return fail(MESSAGES.addressCredentials);
  }
  if (address.startsWith('unix://')) {
    return socket(address, address.slice('unix://'.length));
  }
  if (address.startsWith('/')) {
    return socket(address, address);
  }
  if (address.includes('://')) {
    return url(address);
  }
  return tcp(address, address, false);
}

function socket(address: string, path: string): AddressResult {
  if (!path.startsWith('/')) {
    return fail(MESSAGES.socketNotAbsolute(address));
  }
  return { ok: true, node: { network: 'unix', dial: path, tls: false } };
}

function url(address: string): AddressResult {
  const separator = address.indexOf('://');
  const scheme = address.slice(0, separator).toLowerCase();
  if (scheme !== 'redis' && scheme !== 'rediss') {
    return fail(MESSAGES.unsupportedScheme(scheme));
  }
  const rest = address.slice(separator + 3);
  const authority = rest.split(/[/?#]/, 1)[0];
  if (authority === '') {
    return fail(MESSAGES.noHost(address));
  }
  const split = splitHostPort(authority);
  let hostPort = authority;
  if ('problem' in split) {
    if (split.problem !== 'missing-port') {
      return fail(problemText(split.problem, address));
    }
    hostPort = joinHostPort(authority.replace(/^\[(.*)\]$/, '$1'), DEFAULT_PORT);
  } else if (split.port === '') {
    hostPort = joinHostPort(split.host, DEFAULT_PORT);
  }
  return tcp(address, hostPort, scheme === 'rediss');
}

function tcp(address: string, hostPort: string, tls: boolean): AddressResult {
  const split = splitHostPort(hostPort);
  if ('problem' in split) {
    return fail(problemText(split.problem, address));
  }
  if (split.host === '') {
    return fail(MESSAGES.noHost(address));
  }
  const port = Number(split.port);
  if (!/^\d+$/.test(split.port) || port < 1 || port > 65535) {
    return fail(MESSAGES.badPort(address, split.port));
  }
  return { ok: true, node: { network: 'tcp', dial: joinHostPort(split.host, split.port), tls } };
}

type SplitProblem = 'missing-port' | 'too-many-colons' | 'malformed';

/** Go's net.SplitHostPort rules: IPv6 hosts in brackets, the port after the last colon. */
function splitHostPort(hostPort: string): { host: string; port: string } | { problem: SplitProblem } {
  if (hostPort.startsWith('[')) {
    const end = hostPort.indexOf(']');
    if (end < 0) {
      return { problem: 'malformed' };
    }
    const after = hostPort.slice(end + 1);
    if (after === '') {
      return { problem: 'missing-port' };
    }
    if (!after.startsWith(':') || after.slice(1).includes(':')) {
      return { problem: 'malformed' };
    }
    const host = hostPort.slice(1, end);
    if (host.includes('[') || host.includes(']')) {
      return { problem: 'malformed' };
    }
    return { host, port: after.slice(1) };
  }
  const colon = hostPort.lastIndexOf(':');
  if (colon < 0) {
    return { problem: 'missing-port' };
  }
  const host = hostPort.slice(0, colon);
  if (host.includes(':')) {
    return { problem: 'too-many-colons' };
  }
  if (host.includes('[') || host.includes(']')) {
    return { problem: 'malformed' };
  }
  return { host, port: hostPort.slice(colon + 1) };
}

function joinHostPort(host: string, port: string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function problemText(problem: SplitProblem, address: string): string {
  switch (problem) {
    case 'missing-port':
      return MESSAGES.missingPort(address);
    case 'too-many-colons':
      return MESSAGES.ipv6Brackets(address);
    case 'malformed':
      return MESSAGES.notHostPort(address);
  }
}

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

/** A host:port of the address map: no scheme, no socket, no credentials, a port. */
export function hostPortProblem(raw: string, side: string): string | undefined {
  const value = raw.trim();
  if (value === '') {
    return MESSAGES.mapEmpty(side);
  }
  if (value.includes('@')) {
    return MESSAGES.mapCredentials(side);
  }
  if (value.includes('/')) {
    return MESSAGES.mapNotHostPort(side, value);
  }
  const split = splitHostPort(value);
  if ('problem' in split) {
    switch (split.problem) {
      case 'missing-port':
        return MESSAGES.mapMissingPort(side, value);
      case 'too-many-colons':
        return MESSAGES.mapIpv6(side, value);
      case 'malformed':
        return MESSAGES.mapNotHostPort(side, value);
    }
  }
  if (split.host === '') {
    return MESSAGES.mapNoHost(side, value);
  }
  const port = Number(split.port);
  if (!/^\d+$/.test(split.port) || port < 1 || port > 65535) {
    return MESSAGES.mapBadPort(side, value, split.port);
  }
  return undefined;
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

function intervalProblem(value: number | undefined): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!Number.isInteger(value)) {
    return MESSAGES.intervalNotWhole;
  }
  if (value < LIMITS.minDiscoveryIntervalMs) {
    return MESSAGES.intervalTooShort;
  }
  if (value > LIMITS.maxDiscoveryIntervalMs) {
    return MESSAGES.intervalTooLong;
  }
  return undefined;
}

function coalesceProblem(value: number | undefined): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!Number.isInteger(value)) {
    return MESSAGES.coalesceNotWhole;
  }
  if (value < 0) {
    return MESSAGES.coalesceNegative;
  }
  if (value > LIMITS.maxCoalesceWindowMs) {
    return MESSAGES.coalesceTooLong;
  }
  return undefined;
}

function timeoutProblem(value: number | undefined): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!Number.isInteger(value)) {
    return MESSAGES.notWholeNumber;
  }
  if (value <= 0) {
    return MESSAGES.timeoutNotPositive;
  }
  if (value > LIMITS.maxTimeoutMs) {
    return MESSAGES.timeoutTooLong;
  }
  return undefined;
}

function concurrencyProblem(value: number | undefined): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!Number.isInteger(value)) {
    return MESSAGES.notWholeNumber;
  }
  if (value < 1 || value > LIMITS.maxConcurrency) {
    return MESSAGES.concurrencyRange;
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
    discoveryIntervalMs: discovers(mode) ? intervalProblem(jsonData.discoveryIntervalMs) : undefined,
    coalesceWindowMs: coalesceProblem(jsonData.coalesceWindowMs),
    connectTimeoutMs: timeoutProblem(jsonData.connectTimeoutMs),
    readTimeoutMs: timeoutProblem(jsonData.readTimeoutMs),
    maxConcurrency: concurrencyProblem(jsonData.maxConcurrency),
    ...tlsProblems(secureJsonFields, secureJsonData),
  };
}

/** Whether any node uses rediss:// (TLS settings then matter even with the TLS switch off). */
export function anyNodeUsesTLS(nodes: RedisNode[] | undefined): boolean {
  return (nodes ?? []).some((node) => {
    const parsed = parseAddress(node.address ?? '');
    return parsed.ok && parsed.node.tls;
  });
}

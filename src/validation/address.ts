/**
 * Address parsing that mirrors the backend's (pkg/settings): node addresses and the host:port
 * pairs of the address map. Pure functions: no React, no Grafana runtime.
 */
import { MESSAGES } from '../labels';
import { RedisNode } from '../types';

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
      return fail(SPLIT_PROBLEM_TEXT[split.problem](address));
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
    return fail(SPLIT_PROBLEM_TEXT[split.problem](address));
  }
  if (split.host === '') {
    return fail(MESSAGES.noHost(address));
  }
  if (!isPort(split.port)) {
    return fail(MESSAGES.badPort(address, split.port));
  }
  return { ok: true, node: { network: 'tcp', dial: joinHostPort(split.host, split.port), tls } };
}

type SplitProblem = 'missing-port' | 'too-many-colons' | 'malformed';

const SPLIT_PROBLEM_TEXT: Record<SplitProblem, (address: string) => string> = {
  'missing-port': MESSAGES.missingPort,
  'too-many-colons': MESSAGES.ipv6Brackets,
  malformed: MESSAGES.notHostPort,
};

/** The same problems, for one side of an address mapping. */
const MAP_SPLIT_PROBLEM_TEXT: Record<SplitProblem, (side: string, value: string) => string> = {
  'missing-port': MESSAGES.mapMissingPort,
  'too-many-colons': MESSAGES.mapIpv6,
  malformed: MESSAGES.mapNotHostPort,
};

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

/** A decimal TCP port from 1 to 65535. */
function isPort(text: string): boolean {
  const port = Number(text);
  return /^\d+$/.test(text) && port >= 1 && port <= 65535;
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
    return MAP_SPLIT_PROBLEM_TEXT[split.problem](side, value);
  }
  if (split.host === '') {
    return MESSAGES.mapNoHost(side, value);
  }
  if (!isPort(split.port)) {
    return MESSAGES.mapBadPort(side, value, split.port);
  }
  return undefined;
}

/** Whether any node uses rediss:// (TLS settings then matter even with the TLS switch off). */
export function anyNodeUsesTLS(nodes: RedisNode[] | undefined): boolean {
  return (nodes ?? []).some((node) => {
    const parsed = parseAddress(node.address ?? '');
    return parsed.ok && parsed.node.tls;
  });
}

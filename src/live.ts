/**
 * Live AOF growth: the Grafana Live channel a live card query subscribes to. Pure helpers, no
 * Grafana runtime singletons. The Go backend (pkg/plugin/stream.go) validates the same channel.
 *
 * Channel: ds/<data source uid>/growth/<intervalMs>[/<nodesKey>], with the node filter itself in
 * the subscribe data ({ nodes }). Grafana runs one stream per channel and hands it the data of
 * the first subscriber, so the path must name the node filter: nodesKey is a hash of it, which
 * the backend recomputes from the data before it admits a subscription.
 */
import { RedisQuery } from './types';

/** Push intervals the backend accepts; the editor offers the presets. */
export const LIVE = {
  minIntervalMs: 1000,
  maxIntervalMs: 60000,
  defaultIntervalMs: 5000,
  intervalPresetsMs: [1000, 2000, 5000, 10000, 30000, 60000],
} as const;

/** Whether a query streams: only card queries do. */
export function isLiveQuery(query: Pick<RedisQuery, 'queryType' | 'live'>): boolean {
  return Boolean(query.live) && (query.queryType ?? 'card') === 'card';
}

/** The push interval of a live query, the default when none is set. */
export function liveIntervalOf(query: Pick<RedisQuery, 'liveIntervalMs'>): number {
  return query.liveIntervalMs ?? LIVE.defaultIntervalMs;
}

export function isValidLiveInterval(intervalMs: unknown): boolean {
  return (
    typeof intervalMs === 'number' &&
    Number.isInteger(intervalMs) &&
    intervalMs >= LIVE.minIntervalMs &&
    intervalMs <= LIVE.maxIntervalMs
  );
}

const FNV_OFFSET = BigInt('0xcbf29ce484222325');
const FNV_PRIME = BigInt('0x100000001b3');
const MASK_64 = BigInt('0xffffffffffffffff');

/**
 * 64-bit FNV-1a over the UTF-16 code units of each entry, prefixed by its length in code units and
 * a colon; 16 hex digits, or '' for no filter. Must equal nodesKey in pkg/plugin/stream.go.
 */
export function nodesKey(nodes: readonly string[]): string {
  if (nodes.length === 0) {
    return '';
  }
  let hash = FNV_OFFSET;
  for (const node of nodes) {
    const text = `${node.length}:${node}`;
    for (let i = 0; i < text.length; i++) {
      hash = ((hash ^ BigInt(text.charCodeAt(i))) * FNV_PRIME) & MASK_64;
    }
  }
  return hash.toString(16).padStart(16, '0');
}

/** The channel path (under the data source's namespace) of a live query's interpolated nodes. */
export function growthChannelPath(intervalMs: number, nodes: readonly string[]): string {
  const key = nodesKey(nodes);
  return key ? `growth/${intervalMs}/${key}` : `growth/${intervalMs}`;
}

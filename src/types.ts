import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';

/**
 * The query types, defined once. The Go backend routes on the same strings (docs/contract.md "Queries and frames").
 */
export const QUERY_TYPES = ['card', 'siblings', 'alerting', 'raw'] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

/**
 * Series kinds of the `alerting` query type. An empty metric means all of them. The first three
 * and node_up are never null (what alert rules should use); the others are null where a node
 * cannot be judged.
 */
export const ALERT_METRICS = [
  'aof_rewrite_failing',
  'aof_rewrite_stuck',
  'aof_write_failing',
  'rdb_save_failing',
  'rdb_unsaved_age_seconds',
  'aof_rewrite_overdue_ratio',
  'aof_delayed_fsync_increase',
  'aof_rewrite_ok',
  'aof_write_ok',
  'aof_rewrites_consecutive_failures',
  'aof_growth_ratio',
  'aof_current_size_bytes',
  'aof_base_size_bytes',
  'rdb_last_save_age_seconds',
  'aof_enabled',
  'node_up',
] as const;
export type AlertMetric = (typeof ALERT_METRICS)[number];

/**
 * The fields a `card` query's selection can name, in frame order (pkg/frames CardFields). `node`
 * always comes back; shard and master_name only for discovered nodes.
 */
export const CARD_FIELDS = [
  'node',
  'instance',
  'role',
  'shard',
  'master_name',
  'status',
  'reason',
  'aof_enabled',
  'rewrite_in_progress',
  'rewrite_running',
  'rewrite_scheduled',
  'consecutive_failures',
  'stuck',
  'write_status',
  'delayed_fsyncs',
  'current_size',
  'base_size',
  'growth',
  'rewrite_trigger',
  'growth_over_trigger',
  'last_cow_size',
  'last_rewrite_duration',
  'loading_loaded_perc',
  'loading_eta_seconds',
] as const;

/** The fields a `siblings` query's selection can name (pkg/frames SiblingsFields); `node` and `error` always come back. */
export const SIBLINGS_FIELDS = [
  'node',
  'instance',
  'role',
  'error',
  'last_rdb_save_age',
  'rdb_last_bgsave_status',
  'rdb_bgsave_in_progress',
  'rdb_changes_since_last_save',
  'rdb_unsaved_age',
  'rdb_unsaved_age_note',
  'save_schedule',
  'appendfsync',
  'used_memory',
  'maxmemory',
  'memory_used_percent',
  'mem_fragmentation_ratio',
  'uptime',
  'connected_replicas',
] as const;

export function isQueryType(value: unknown): value is QueryType {
  return typeof value === 'string' && (QUERY_TYPES as readonly string[]).includes(value);
}

export function isAlertMetric(value: unknown): value is AlertMetric {
  return typeof value === 'string' && (ALERT_METRICS as readonly string[]).includes(value);
}

export interface RedisQuery extends DataQuery {
  queryType?: QueryType;
  /** Node names or addresses; empty means every configured node. May hold `$variables`. */
  nodes?: string[];
  /** Only for `alerting`: one series kind; empty means all. */
  metric?: AlertMetric | '';
  /**
   * Only for `card`: stream the AOF growth series (current vs base size per node) over Grafana
   * Live instead of answering once. Outside the browser the backend answers one sample.
   */
  live?: boolean;
  /** Push interval of a live query, in ms (src/live.ts LIVE); absent means the default. */
  liveIntervalMs?: number;
  /**
   * Only for `card` (not live) and `siblings`: the frame's fields to return, besides those that
   * identify a row; empty means all. A panel asks for the fields it shows.
   */
  fields?: string[];
}

export const DEFAULT_QUERY: Partial<RedisQuery> = {
  queryType: 'card',
  nodes: [],
};

/** One configured Redis node, as stored in jsonData.nodes. */
export interface RedisNode {
  address: string;
  name?: string;
}

/** How jsonData.nodes is read. Absent means `static`. */
export const DISCOVERY_MODES = ['static', 'cluster', 'sentinel'] as const;
export type DiscoveryMode = (typeof DISCOVERY_MODES)[number];

/** One entry of jsonData.addressMap: an announced host:port and the host:port to dial instead. */
export interface AddressMapping {
  from: string;
  to: string;
}

/** jsonData: the public contract in docs/contract.md ("Data source settings"). */
export interface RedisJsonData extends DataSourceJsonData {
  /** static: the nodes to watch; cluster: seed addresses; sentinel: the sentinels' addresses. */
  nodes?: RedisNode[];
  discovery?: DiscoveryMode;
  /** sentinel only: the monitored masters to watch; empty or absent means all of them. */
  sentinelMasters?: string[];
  /** sentinel only: the sentinels' own ACL user (the data nodes use `username`). */
  sentinelUsername?: string;
  /** cluster and sentinel only. */
  addressMap?: AddressMapping[];
  /** cluster and sentinel only. */
  discoveryIntervalMs?: number;
  coalesceWindowMs?: number;
  username?: string;
  tlsEnabled?: boolean;
  tlsServerName?: string;
  tlsSkipVerify?: boolean;
  connectTimeoutMs?: number;
  readTimeoutMs?: number;
  maxConcurrency?: number;
  /** Grafana's standard switch: connect through the secure SOCKS proxy (Private data source connect). */
  enableSecureSocksProxy?: boolean;
}

/** secureJsonData: write-only, never returned to the browser. */
export interface RedisSecureJsonData {
  password?: string;
  /** The sentinels' own password (sentinel mode). */
  sentinelPassword?: string;
  tlsCACert?: string;
  tlsClientCert?: string;
  tlsClientKey?: string;
}

export type SecureKey = keyof RedisSecureJsonData;

export const DEFAULTS = {
  connectTimeoutMs: 2000,
  readTimeoutMs: 2000,
  maxConcurrency: 16,
  discoveryIntervalMs: 10000,
  coalesceWindowMs: 1000,
} as const;

/** Limits the backend enforces (pkg/settings). */
export const LIMITS = {
  maxTimeoutMs: 60000,
  maxConcurrency: 1024,
  minDiscoveryIntervalMs: 1000,
  maxDiscoveryIntervalMs: 300000,
  maxCoalesceWindowMs: 60000,
} as const;

/** What `GET resources/nodes` returns. */
export interface NodeInfo {
  name: string;
  address: string;
}

/** The query of the node variable (CustomVariableSupport). */
export interface NodeVariableQuery extends DataQuery {
  /** What the variable's value is: the node's display name (the default) or its address. */
  valueField?: 'name' | 'address';
}

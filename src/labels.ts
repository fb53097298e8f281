/**
 * Every piece of UI text of the plugin, in one place.
 */
import { LIVE } from './live';
import { AlertMetric, DEFAULTS, DiscoveryMode, LIMITS, QueryType } from './types';

export interface OptionText {
  label: string;
  description: string;
}

/** The label, help and example of one settings field. */
export interface FieldText {
  label: string;
  description: string;
  placeholder?: string;
}

/** How the node list reads in each discovery mode. */
export interface NodeListText {
  description: string;
  address: string;
  addressTooltip: string;
  addressPlaceholder: string;
  add: string;
  remove: string;
  empty: string;
}

/** One entry per query type: the compiler reports a missing one. */
export const QUERY_TYPE_TEXT: Record<QueryType, OptionText> = {
  card: {
    label: 'Card',
    description: 'Last AOF rewrite status per node: ok, err, n/a (AOF off), unreachable, restricted or loading.',
  },
  siblings: {
    label: 'Sibling cards',
    description: 'Last RDB save, memory vs maxmemory, fragmentation, uptime and replicas per node.',
  },
  alerting: {
    label: 'Alerting series',
    description: 'Numeric series, one per node and metric, for Grafana-managed alert rules.',
  },
  raw: {
    label: 'Raw fields',
    description: 'Every INFO persistence field per node, as Redis reports it.',
  },
};

/** One entry per alerting metric. */
export const ALERT_METRIC_TEXT: Record<AlertMetric, OptionText> = {
  aof_rewrite_failing: {
    label: 'AOF rewrite failing (for alerts)',
    description:
      '1 when AOF is on and the last completed rewrite failed, else 0 (also when the node cannot be judged). Never null: alert with "> 0".',
  },
  aof_rewrite_stuck: {
    label: 'AOF rewrite stuck (for alerts)',
    description:
      '1 when rewrites have failed at least twice in a row (Redis 7.0+), else 0. Never null: alert with "> 0".',
  },
  aof_write_failing: {
    label: 'AOF write failing (for alerts)',
    description: '1 when AOF is on and the last write or fsync failed, else 0. Never null: alert with "> 0".',
  },
  rdb_save_failing: {
    label: 'RDB save failing (for alerts)',
    description:
      '1 when the last RDB snapshot (BGSAVE) failed, else 0 (also when the node cannot be judged). Never null: alert with "> 0".',
  },
  rdb_unsaved_age_seconds: {
    label: 'Unsaved changes age (for alerts)',
    description:
      'Seconds since the last successful RDB save on the server clock, on a node that takes snapshots (save is not "") and has unsaved changes; 0 otherwise, also when CONFIG is refused. Never null: alert with "> 86400".',
  },
  aof_rewrite_overdue_ratio: {
    label: 'AOF rewrite overdue (for alerts)',
    description:
      'AOF growth divided by its rewrite trigger (1 = a rewrite is due) where known, else 0. Never null: alert with "> 2" held for a while.',
  },
  aof_delayed_fsync_increase: {
    label: 'Delayed fsyncs, last 5 min (for alerts)',
    description:
      'How much aof_delayed_fsync rose over the last 5 minutes, remembered by the plugin; 0 on the first read, after a restart and when AOF is off. Never null: alert with "> 0".',
  },
  rdb_last_save_age_seconds: {
    label: 'Last RDB save age',
    description:
      'Seconds since the last successful RDB save, on the server clock; no value when the node cannot be judged.',
  },
  aof_rewrite_ok: {
    label: 'AOF rewrite ok',
    description: '1 when the last AOF rewrite succeeded, 0 when it failed; no value when the node cannot be judged.',
  },
  aof_write_ok: {
    label: 'AOF write ok',
    description: '1 when the last AOF write or fsync succeeded, 0 when it failed (writes are refused).',
  },
  aof_rewrites_consecutive_failures: {
    label: 'Consecutive rewrite failures',
    description: 'Failed rewrite attempts in a row (Redis 7.0+); tells a stuck failure from a transient one.',
  },
  aof_growth_ratio: {
    label: 'AOF growth ratio',
    description: 'Current AOF size divided by its size after the last rewrite.',
  },
  aof_current_size_bytes: {
    label: 'AOF current size',
    description: 'aof_current_size in bytes; no value while AOF is off. For history through a recording rule.',
  },
  aof_base_size_bytes: {
    label: 'AOF base size',
    description: 'aof_base_size (the size after the last rewrite) in bytes; no value while AOF is off.',
  },
  aof_enabled: {
    label: 'AOF enabled',
    description: '1 while the append-only file is on, 0 while it is off.',
  },
  node_up: {
    label: 'Node up',
    description: '1 when the node answered INFO, 0 when it was unreachable.',
  },
};

export const CONFIG_TEXT = {
  dataSourceName: 'Redis Persistence',
  docsLink: '/plugins/persistwatch-redis-datasource',
  discoveryMode: {
    label: 'Discovery',
    description:
      'What the addresses below are. Settings that only apply to another mode are dropped when you save in this one.',
    options: {
      static: { label: 'Static', description: 'Watch exactly the nodes listed below.' },
      cluster: {
        label: 'Redis Cluster',
        description:
          'The addresses below are seeds: every primary and replica of the cluster is found from them and followed through failovers.',
      },
      sentinel: {
        label: 'Sentinel',
        description:
          'The addresses below are sentinels: the masters they monitor and their replicas are found from them and followed through failovers.',
      },
    } satisfies Record<DiscoveryMode, OptionText>,
  },
  nodes: {
    title: 'Redis nodes',
    description:
      'Every node this data source reads INFO persistence from. Queries can only reach the nodes listed here.',
    address: 'Address',
    addressTooltip:
      'host:port, [IPv6]:port, redis://host:port, rediss://host:port (TLS for this node), /run/redis.sock or unix:///run/redis.sock. No credentials.',
    addressPlaceholder: 'redis-1:6379',
    name: 'Display name',
    nameTooltip: 'Optional. Shown on cards and used as the node label; defaults to the address.',
    namePlaceholder: 'optional, e.g. cache-primary',
    add: 'Add node',
    remove: 'Remove node',
    empty: 'No nodes yet.',
  },
  /** The node list of the discovery modes; the static list is `nodes`. */
  nodeLists: {
    cluster: {
      description:
        'Seed addresses: any node of the cluster, primary or replica. List more than one, so that discovery still works while a seed is down. Queries reach every node found from them.',
      address: 'Seed',
      addressTooltip:
        'host:port or rediss://host:port of any node of the cluster. No credentials: the Authentication settings apply to every node found.',
      addressPlaceholder: 'redis-cluster-1:6379',
      add: 'Add seed',
      remove: 'Remove seed',
      empty: 'No seed addresses yet.',
    },
    sentinel: {
      description:
        "The sentinels' own addresses (port 26379 by default), not the masters'. Queries reach the masters they monitor and the replicas of those masters.",
      address: 'Sentinel',
      addressTooltip:
        "host:port or rediss://host:port of a sentinel. No credentials: the sentinels' own user and password are under Sentinel.",
      addressPlaceholder: 'sentinel-1:26379',
      add: 'Add sentinel',
      remove: 'Remove sentinel',
      empty: 'No sentinels yet.',
    },
  } satisfies Record<Exclude<DiscoveryMode, 'static'>, NodeListText>,
  namesNote:
    'No display names in this mode: these addresses are only where discovery starts. The nodes it finds are named by the address they announce.',
  auth: {
    title: 'Authentication',
    description: 'Credentials for AUTH. Leave both empty when the nodes need no password.',
    clusterDescription:
      'Credentials for AUTH on every node of the cluster. Leave both empty when the nodes need no password.',
    sentinelDescription:
      "Credentials for AUTH on the masters and their replicas. The sentinels' own credentials are under Sentinel.",
    username: {
      label: 'ACL username',
      description: 'Redis 6+ ACL user. Empty means the default user.',
      placeholder: 'default',
    },
    password: {
      label: 'Password',
      description: 'Stored encrypted by Grafana and never sent back to the browser.',
      placeholder: 'Password for AUTH',
    },
  },
  sentinel: {
    title: 'Sentinel',
    description: "Which masters to watch, and the sentinels' own credentials.",
    masters: {
      label: 'Master names',
      description:
        'Names of monitored masters to watch, as in "sentinel monitor <name> …". Empty means every master the sentinels monitor.',
      placeholder: 'mymaster (Enter to add)',
    },
    username: {
      label: 'Sentinel ACL username',
      description:
        'The ACL user of the sentinels themselves. Empty means the default user. The masters and replicas use the ACL username under Authentication.',
      placeholder: 'default',
    },
    password: {
      label: 'Sentinel password',
      description:
        'The password of the sentinels themselves, not of the masters and replicas. Stored encrypted by Grafana and never sent back to the browser.',
      placeholder: 'Password for AUTH on the sentinels',
    },
  },
  discovery: {
    title: 'Discovery',
    description: 'How often the topology is read, and where to dial the nodes it announces.',
    interval: {
      label: 'Discovery interval (ms)',
      description: `How often the topology is read again, to find new nodes and failovers. Default ${DEFAULTS.discoveryIntervalMs} ms; from ${LIMITS.minDiscoveryIntervalMs} to ${LIMITS.maxDiscoveryIntervalMs} ms.`,
    },
    addressMap: 'Address remapping',
    addressMapTooltip:
      'For NAT or announce-ip setups: when the cluster or the sentinels announce an address this Grafana cannot reach, dial another one instead.',
    from: 'Announced',
    fromTooltip: 'The address as the cluster or the sentinels announce it: host:port.',
    fromPlaceholder: '10.0.0.5:6379',
    to: 'Dial',
    toTooltip: 'The address this Grafana dials instead: host:port.',
    toPlaceholder: 'redis-1.example.com:16379',
    add: 'Add mapping',
    remove: 'Remove mapping',
    empty: 'No remapping: announced addresses are dialled as they are.',
  },
  tls: {
    title: 'TLS',
    description: 'Encrypt connections. A rediss:// address turns TLS on for that node alone.',
    enabled: {
      label: 'TLS for every node',
      description: 'Connect to every node over TLS.',
    },
    rediss: 'Some addresses use rediss://: the settings below apply to those nodes.',
    caCert: {
      label: 'CA certificate',
      description: 'PEM bundle of the CA that signed the server certificates. Empty means the system CAs.',
      placeholder: '-----BEGIN CERTIFICATE-----',
    },
    clientCert: {
      label: 'Client certificate',
      description: 'PEM client certificate, for mutual TLS. Needs the client key too.',
      placeholder: '-----BEGIN CERTIFICATE-----',
    },
    clientKey: {
      label: 'Client key',
      description: 'PEM key of the client certificate.',
      placeholder: '-----BEGIN PRIVATE KEY-----',
    },
    serverName: {
      label: 'Server name',
      description: 'Name to verify in the server certificate instead of the host of each address.',
      placeholder: 'redis.example.internal',
    },
    skipVerify: {
      label: 'Skip certificate verification',
      description: 'Do not verify the server certificate. For testing only.',
    },
    skipVerifyWarningTitle: 'Server certificates are not verified',
    skipVerifyWarning:
      'Anyone on the network path can impersonate the Redis nodes and read the password. Use this only for testing.',
  },
  advanced: {
    title: 'Timeouts and concurrency',
    description: 'Leave empty for the defaults.',
    connectTimeout: {
      label: 'Connect timeout (ms)',
      description: `Dial timeout per node. Default ${DEFAULTS.connectTimeoutMs} ms.`,
    },
    readTimeout: {
      label: 'Read timeout (ms)',
      description: `Read/write timeout per command. Default ${DEFAULTS.readTimeoutMs} ms.`,
    },
    maxConcurrency: {
      label: 'Max concurrency',
      description: `How many nodes are queried at once. Default ${DEFAULTS.maxConcurrency}.`,
    },
    coalesceWindow: {
      label: 'Coalesce window (ms)',
      description: `Queries for the same node within this window share one INFO round trip, so a card is never older than this. 0 shares only reads that run at the same moment. Default ${DEFAULTS.coalesceWindowMs} ms, at most ${LIMITS.maxCoalesceWindowMs} ms.`,
    },
  },
  proxy: {
    description:
      'When on, every connection (data nodes, cluster members and sentinels) goes through the secure SOCKS proxy Grafana provides, for Redis in a private network (Private data source connect). Unix socket addresses cannot be reached through it.',
  },
} as const;

export const QUERY_TEXT = {
  queryType: 'Query type',
  nodes: 'Nodes',
  nodesTooltip: 'Node names or addresses, or dashboard $variables. Empty means every configured node.',
  nodesPlaceholder: 'All nodes',
  nodesLoading: 'Loading nodes…',
  metric: 'Metric',
  metricTooltip: 'The series kind. Empty returns all of them; an alert rule must pick one.',
  metricPlaceholder: 'All metrics',
  fields: 'Fields',
  fieldsTooltip:
    'Return only these fields, plus the node (and, for sibling cards, the error). A panel that shows one or two values answers faster. Empty returns every field.',
  fieldsPlaceholder: 'All fields',
  live: 'Live growth',
  liveTooltip:
    'Stream AOF current vs base size per node over Grafana Live, pushed at the interval below, instead of one card. Draw it with a time series panel.',
  liveInterval: 'Push every',
  liveIntervalTooltip: 'How often the backend reads the nodes and pushes a sample to every panel showing this stream.',
  liveIntervalOption: (intervalMs: number) =>
    intervalMs % 60000 === 0 ? `${intervalMs / 60000}m` : `${intervalMs / 1000}s`,
  variableOption: 'Dashboard variable',
} as const;

export const VARIABLE_TEXT = {
  description: 'Lists the nodes configured in this data source, e.g. to repeat a card per node.',
  valueField: 'Value',
  valueFieldTooltip: 'What the variable holds. Both work in the Nodes filter of a query.',
  valueName: 'Display name',
  valueNameDescription: 'The node name (its address when it has none).',
  valueAddress: 'Address',
  valueAddressDescription: 'The node address.',
} as const;

/** Messages that say what is wrong and how to fix it. They never quote a secret. */
export const MESSAGES = {
  noNodes: 'Add at least one Redis node.',
  addressEmpty: 'Enter an address: host:port, redis://host:port, rediss://host:port or a socket path.',
  addressCredentials:
    'The address holds credentials: remove them and put the password in the Password field (and the user in ACL username).',
  socketNotAbsolute: (address: string) =>
    `"${address}": a unix socket needs an absolute path, e.g. unix:///run/redis/redis.sock.`,
  unsupportedScheme: (scheme: string) => `Unsupported scheme "${scheme}://"; use redis://, rediss:// or unix://.`,
  noHost: (address: string) => `"${address}" has no host.`,
  notHostPort: (address: string) =>
    `"${address}" is not host:port (e.g. redis-1:6379, [::1]:6379, redis://redis-1:6379 or /run/redis.sock).`,
  ipv6Brackets: (address: string) => `"${address}": put an IPv6 address in brackets, e.g. [::1]:6379.`,
  missingPort: (address: string) => `"${address}" has no port; add one, e.g. ${address}:6379.`,
  badPort: (address: string, port: string) => `"${address}": port "${port}" is not a number from 1 to 65535.`,
  duplicate: (identity: string, otherRow: number) =>
    `"${identity}" is already used by node ${otherRow}; names and addresses must be unique.`,
  notWholeNumber: 'Enter a whole number.',
  timeoutNotPositive: `Enter a positive number of milliseconds, or leave it empty for the default.`,
  timeoutTooLong: `At most ${LIMITS.maxTimeoutMs} ms: a Grafana query gives up before that.`,
  concurrencyRange: `Enter a number from 1 to ${LIMITS.maxConcurrency}.`,
  clientCertWithoutKey: 'A client certificate needs its client key (mutual TLS needs both).',
  clientKeyWithoutCert: 'A client key needs its client certificate (mutual TLS needs both).',
  notPemCertificate: 'This is not a PEM certificate (it should start with -----BEGIN CERTIFICATE-----).',
  notPemKey: 'This is not a PEM private key (it should contain -----BEGIN … PRIVATE KEY-----).',
  // discovery
  unknownMode: (value: string) => `Discovery "${value}" is not a mode of this data source; pick one above.`,
  noSeeds: 'Add at least one seed address: any node of the cluster.',
  noSentinels: 'Add at least one sentinel address.',
  duplicateAddress: (address: string, kind: 'seed' | 'sentinel', otherRow: number) =>
    `"${address}" is already listed as ${kind} ${otherRow}; addresses must be unique.`,
  socketAddress: (address: string, kind: 'seed' | 'sentinel') =>
    `"${address}" is a unix socket; a ${kind} is reached over TCP: host:port, redis://host:port or rediss://host:port.`,
  masterBlank: (entry: number) =>
    `Master names: entry ${entry} is empty; write the name the sentinels monitor the master under, or remove it.`,
  intervalNotWhole: 'The discovery interval must be a whole number of milliseconds.',
  intervalTooShort: `The discovery interval must be at least ${LIMITS.minDiscoveryIntervalMs} ms; leave it empty for the default ${DEFAULTS.discoveryIntervalMs}.`,
  intervalTooLong: `The discovery interval must be at most ${LIMITS.maxDiscoveryIntervalMs} ms (5 minutes).`,
  coalesceNotWhole: 'The coalesce window must be a whole number of milliseconds.',
  coalesceNegative: `The coalesce window must be 0 or more milliseconds; leave it empty for the default ${DEFAULTS.coalesceWindowMs}.`,
  coalesceTooLong: `The coalesce window must be at most ${LIMITS.maxCoalesceWindowMs} ms.`,
  mapEmpty: (side: string) => `${side} is empty: enter host:port, e.g. 10.0.0.5:6379.`,
  mapCredentials: (side: string) => `${side} holds credentials: enter host:port only.`,
  mapNotHostPort: (side: string, value: string) =>
    `${side} "${value}" is not host:port (e.g. 10.0.0.5:6379 or [fd00::5]:6379): no scheme, no socket path.`,
  mapMissingPort: (side: string, value: string) => `${side} "${value}" has no port; add one, e.g. ${value}:6379.`,
  mapIpv6: (side: string, value: string) => `${side} "${value}": put an IPv6 address in brackets, e.g. [fd00::5]:6379.`,
  mapNoHost: (side: string, value: string) => `${side} "${value}" has no host.`,
  mapBadPort: (side: string, value: string, port: string) =>
    `${side} "${value}": port "${port}" is not a number from 1 to 65535.`,
  mapDuplicate: (value: string, otherRow: number) =>
    `Announced address "${value}" is already remapped in mapping ${otherRow}.`,
  mapFromSide: 'Announced address',
  mapToSide: 'Dial address',
  // query editor
  unknownQueryType: (value: string) => `"${value}" is not a query type of this data source; pick one above.`,
  unknownMetric: (value: string) => `"${value}" is not a metric of this data source; pick one from the list.`,
  metricIgnored: (metric: string, typeLabel: string) =>
    `The metric "${metric}" applies only to Alerting series; ${typeLabel} queries ignore it.`,
  alertNeedsMetric: 'An alert rule must pick one metric: a threshold compares one kind of series at a time.',
  unknownField: (name: string, typeLabel: string) =>
    `"${name}" is not a field of ${typeLabel} frames; pick fields from the list.`,
  fieldsNotAList: 'Fields must be a list of field names; pick them from the list.',
  fieldsIgnored:
    'A field selection applies only to Card (not live) and Sibling cards queries; this query returns its frames whole.',
  liveOnlyForCard: (typeLabel: string) => `Live growth applies only to Card queries; ${typeLabel} queries ignore it.`,
  liveInterval: (value: unknown) =>
    `Live push interval ${JSON.stringify(value)} ms is not a whole number from ${LIVE.minIntervalMs} to ${LIVE.maxIntervalMs}; pick one of the presets.`,
  liveNotStreamed: 'Alert rules do not stream: a live query answers one growth sample per evaluation, not the card.',
  unknownNode: (entry: string) =>
    `"${entry}" is not a configured node; this query cannot reach it. Configured nodes are listed in the menu.`,
  nodesLoadFailed: (reason: string) =>
    `Could not load the configured nodes: ${reason}. You can still type node names, addresses or $variables.`,
  nodesBadResponse: 'the nodes resource returned something other than a list of {name, address}',
  unknownError: 'unknown error',
} as const;

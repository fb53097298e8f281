/**
 * UI text, validation messages and test ids of the node discovery and request coalescing
 * settings (jsonData.discovery, sentinelMasters, sentinelUsername, addressMap,
 * discoveryIntervalMs, coalesceWindowMs; secureJsonData.sentinelPassword). The other settings'
 * text is in src/labels.ts and their test ids in src/selectors.ts.
 */
import { OptionText } from '../../labels';
import { DEFAULTS, DiscoveryMode, LIMITS } from '../../types';

/** How the node list reads in each mode. */
export interface NodeListText {
  description: string;
  address: string;
  addressTooltip: string;
  addressPlaceholder: string;
  add: string;
  remove: string;
  empty: string;
}

export const DISCOVERY_TEXT = {
  mode: {
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
  /** The static list keeps the wording of CONFIG_TEXT.nodes. */
  lists: {
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
    clusterDescription:
      'Credentials for AUTH on every node of the cluster. Leave both empty when the nodes need no password.',
    sentinelDescription:
      "Credentials for AUTH on the masters and their replicas. The sentinels' own credentials are under Sentinel.",
  },
  sentinel: {
    title: 'Sentinel',
    description: "Which masters to watch, and the sentinels' own credentials.",
    masters: 'Master names',
    mastersTooltip:
      'Names of monitored masters to watch, as in "sentinel monitor <name> …". Empty means every master the sentinels monitor.',
    mastersPlaceholder: 'mymaster (Enter to add)',
    username: 'Sentinel ACL username',
    usernameTooltip:
      'The ACL user of the sentinels themselves. Empty means the default user. The masters and replicas use the ACL username under Authentication.',
    usernamePlaceholder: 'default',
    password: 'Sentinel password',
    passwordTooltip:
      'The password of the sentinels themselves, not of the masters and replicas. Stored encrypted by Grafana and never sent back to the browser.',
    passwordPlaceholder: 'Password for AUTH on the sentinels',
  },
  discovery: {
    title: 'Discovery',
    description: 'How often the topology is read, and where to dial the nodes it announces.',
    interval: 'Discovery interval (ms)',
    intervalTooltip: `How often the topology is read again, to find new nodes and failovers. Default ${DEFAULTS.discoveryIntervalMs} ms; from ${LIMITS.minDiscoveryIntervalMs} to ${LIMITS.maxDiscoveryIntervalMs} ms.`,
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
  advanced: {
    coalesceWindow: 'Coalesce window (ms)',
    coalesceWindowTooltip: `Queries for the same node within this window share one INFO round trip, so a card is never older than this. 0 shares only reads that run at the same moment. Default ${DEFAULTS.coalesceWindowMs} ms, at most ${LIMITS.maxCoalesceWindowMs} ms.`,
  },
} as const;

/** Messages that name the field and say what is wrong with it. They never quote a secret. */
export const DISCOVERY_MESSAGES = {
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
} as const;

/** Test ids, for jest and the browser test. */
export const DiscoverySelectors = {
  mode: 'redis-config-discovery',
  modeHelp: 'redis-config-discovery-help',
  modeError: 'redis-config-discovery-error',
  namesNote: 'redis-config-nodes-names-note',
  sentinel: {
    section: 'redis-config-sentinel',
    masters: 'redis-config-sentinel-masters',
    username: 'redis-config-sentinel-username',
    password: 'redis-config-sentinel-password',
  },
  discovery: {
    section: 'redis-config-discovery-settings',
    interval: 'redis-config-discovery-interval',
    mapRow: (index: number) => `redis-config-address-map-${index}`,
    mapFrom: (index: number) => `redis-config-address-map-from-${index}`,
    mapTo: (index: number) => `redis-config-address-map-to-${index}`,
    mapRemove: (index: number) => `redis-config-address-map-remove-${index}`,
    mapAdd: 'redis-config-address-map-add',
  },
  coalesceWindow: 'redis-config-coalesce-window',
} as const;

/**
 * Test ids of the plugin's UI, in one place, for jest, the browser test and e2e tests.
 */
export const Selectors = {
  config: {
    nodes: {
      section: 'redis-config-nodes',
      row: (index: number) => `redis-config-node-${index}`,
      address: (index: number) => `redis-config-node-address-${index}`,
      name: (index: number) => `redis-config-node-name-${index}`,
      remove: (index: number) => `redis-config-node-remove-${index}`,
      add: 'redis-config-node-add',
      listError: 'redis-config-nodes-error',
      mode: 'redis-config-discovery',
      modeHelp: 'redis-config-discovery-help',
      modeError: 'redis-config-discovery-error',
      namesNote: 'redis-config-nodes-names-note',
    },
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
    auth: {
      username: 'redis-config-username',
      password: 'redis-config-password',
    },
    tls: {
      enabled: 'redis-config-tls-enabled',
      caCert: 'redis-config-tls-ca-cert',
      clientCert: 'redis-config-tls-client-cert',
      clientKey: 'redis-config-tls-client-key',
      serverName: 'redis-config-tls-server-name',
      skipVerify: 'redis-config-tls-skip-verify',
      skipVerifyWarning: 'redis-config-tls-skip-verify-warning',
    },
    advanced: {
      connectTimeout: 'redis-config-connect-timeout',
      readTimeout: 'redis-config-read-timeout',
      maxConcurrency: 'redis-config-max-concurrency',
      coalesceWindow: 'redis-config-coalesce-window',
    },
    proxy: {
      section: 'redis-config-secure-socks-proxy',
    },
  },
  query: {
    editor: 'redis-query-editor',
    queryType: 'redis-query-type',
    queryTypeHelp: 'redis-query-type-help',
    nodes: 'redis-query-nodes',
    metric: 'redis-query-metric',
    fields: 'redis-query-fields',
    live: 'redis-query-live',
    liveInterval: 'redis-query-live-interval',
    problems: 'redis-query-problems',
    nodesError: 'redis-query-nodes-error',
  },
  variable: {
    editor: 'redis-variable-editor',
    valueField: 'redis-variable-value-field',
  },
} as const;

import { useEffect, useState } from 'react';

import type { DataSource } from '../../datasource';
import { describeError } from '../../resources';
import { NodeInfo } from '../../types';

export interface ConfiguredNodes {
  loading: boolean;
  nodes?: NodeInfo[];
  error?: string;
}

type NodesSource = Pick<DataSource, 'getNodes'>;

interface Loaded {
  source: NodesSource;
  nodes?: NodeInfo[];
  error?: string;
}

/** Loads the configured nodes once per data source instance. */
export function useConfiguredNodes(datasource: NodesSource): ConfiguredNodes {
  const [loaded, setLoaded] = useState<Loaded>();

  useEffect(() => {
    let cancelled = false;
    datasource.getNodes().then(
      (nodes) => !cancelled && setLoaded({ source: datasource, nodes }),
      (error: unknown) => !cancelled && setLoaded({ source: datasource, error: describeError(error) })
    );
    return () => {
      cancelled = true;
    };
  }, [datasource]);

  if (!loaded || loaded.source !== datasource) {
    return { loading: true };
  }
  return { loading: false, nodes: loaded.nodes, error: loaded.error };
}

import { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';
import { DataSourceWithBackend, getTemplateSrv, TemplateSrv } from '@grafana/runtime';

import { DEFAULT_QUERY_TYPE, interpolateNodes, isRunnable } from './queryModel';
import { describeError, parseNodesResponse } from './resources';
import { DEFAULT_QUERY, NodeInfo, RedisJsonData, RedisQuery } from './types';
import { NodeVariableSupport } from './variables';

export class NodesRequestError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'NodesRequestError';
  }
}

export class DataSource extends DataSourceWithBackend<RedisQuery, RedisJsonData> {
  private readonly templateSrv: TemplateSrv;

  constructor(
    instanceSettings: DataSourceInstanceSettings<RedisJsonData>,
    templateSrv: TemplateSrv = getTemplateSrv()
  ) {
    super(instanceSettings);
    this.templateSrv = templateSrv;
    this.variables = new NodeVariableSupport(this);
  }

  getDefaultQuery(_app: CoreApp): Partial<RedisQuery> {
    return { ...DEFAULT_QUERY, nodes: [] };
  }

  applyTemplateVariables(query: RedisQuery, scopedVars: ScopedVars): RedisQuery {
    return {
      ...query,
      queryType: query.queryType ?? DEFAULT_QUERY_TYPE,
      nodes: interpolateNodes(query.nodes, scopedVars, this.templateSrv),
    };
  }

  filterQuery(query: RedisQuery): boolean {
    return isRunnable(query);
  }

  /** The configured nodes, from the backend's `GET resources/nodes`. */
  async getNodes(): Promise<NodeInfo[]> {
    let response: unknown;
    try {
      response = await this.getResource('nodes', undefined, { showErrorAlert: false });
    } catch (error) {
      throw new NodesRequestError(describeError(error));
    }
    try {
      return parseNodesResponse(response);
    } catch (error) {
      throw new NodesRequestError(describeError(error));
    }
  }

  /** Names of the dashboard variables, as `$name`, for the node filter. */
  getVariableNames(): string[] {
    return this.templateSrv.getVariables().map((variable) => `$${variable.name}`);
  }
}

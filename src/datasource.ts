import {
  CoreApp,
  DataQueryRequest,
  DataQueryResponse,
  DataSourceInstanceSettings,
  LiveChannelScope,
  ScopedVars,
  StreamingFrameAction,
  StreamingFrameOptions,
} from '@grafana/data';
import { config, DataSourceWithBackend, getGrafanaLiveSrv, getTemplateSrv, TemplateSrv } from '@grafana/runtime';
import { map, merge, Observable } from 'rxjs';

import { growthChannelPath, isLiveQuery, liveIntervalOf } from './live';
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

  /**
   * Live card queries subscribe to the backend's growth stream over Grafana Live; every other
   * query goes to the backend once, as usual. Where Grafana cannot stream (public dashboards, Live
   * turned off) live queries go to the backend too, which answers one growth sample.
   */
  query(request: DataQueryRequest<RedisQuery>): Observable<DataQueryResponse> {
    const canStream = Boolean(getGrafanaLiveSrv()) && !config.publicDashboardAccessToken;
    if (!canStream || !request.targets.some(isLiveQuery)) {
      return super.query(request);
    }
    // A live query that cannot run (hidden, bad interval) is dropped, as Grafana drops any query
    // filterQuery refuses.
    const responses = request.targets
      .filter((target) => isLiveQuery(target) && this.filterQuery(target))
      .map((target) => this.growthStream(target, request));
    const rest = request.targets.filter((target) => !isLiveQuery(target));
    if (rest.length > 0 || responses.length === 0) {
      responses.push(super.query({ ...request, targets: rest }));
    }
    return responses.length === 1 ? responses[0] : merge(...responses);
  }

  private growthStream(target: RedisQuery, request: DataQueryRequest<RedisQuery>): Observable<DataQueryResponse> {
    const { nodes = [] } = this.applyTemplateVariables(target, request.scopedVars);
    // Keep as many samples as the panel can draw, and none older than its time range.
    const buffer: Partial<StreamingFrameOptions> = {
      maxLength: request.maxDataPoints ?? 1000,
      action: StreamingFrameAction.Append,
    };
    if (request.rangeRaw?.to === 'now') {
      buffer.maxDelta = request.range.to.valueOf() - request.range.from.valueOf();
    }
    // Grafana up to 12.3 builds the channel from `namespace`, 12.4 and later from `stream` (with
    // `namespace` as the fallback): both are set, and the address is not a literal so that it
    // type-checks against either @grafana/data.
    const addr = {
      scope: LiveChannelScope.DataSource,
      stream: this.uid,
      namespace: this.uid,
      path: growthChannelPath(liveIntervalOf(target), nodes),
      data: { nodes },
    };
    return getGrafanaLiveSrv()
      .getDataStream({
        // Distinct per query: Grafana merges the responses of one request by key.
        key: `${request.requestId}/${target.refId}`,
        addr,
        buffer,
      })
      .pipe(
        map((response) => {
          // One channel can feed several panels: the frames carry no refId of their own.
          for (const frame of response.data ?? []) {
            if (frame && !frame.refId) {
              frame.refId = target.refId;
            }
          }
          return response;
        })
      );
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

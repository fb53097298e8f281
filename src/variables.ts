import { CustomVariableSupport, DataQueryRequest, DataQueryResponse, FieldType, createDataFrame } from '@grafana/data';
import { from, map, Observable } from 'rxjs';

import { NodeVariableEditor } from './components/NodeVariableEditor';
import type { DataSource } from './datasource';
import { NodeInfo, NodeVariableQuery } from './types';

/** The variable's options as a frame of `text` and `value`, one row per node. */
export function nodesToFrame(nodes: NodeInfo[], valueField: NodeVariableQuery['valueField'] = 'name') {
  const values = nodes.map((node) => (valueField === 'address' ? node.address : node.name || node.address));
  return createDataFrame({
    fields: [
      { name: 'text', type: FieldType.string, values },
      { name: 'value', type: FieldType.string, values },
    ],
  });
}

/**
 * A "Query" dashboard variable listing the configured nodes, e.g. to repeat a card panel per node.
 */
export class NodeVariableSupport extends CustomVariableSupport<DataSource, NodeVariableQuery> {
  editor = NodeVariableEditor;

  constructor(private readonly datasource: DataSource) {
    super();
  }

  query(request: DataQueryRequest<NodeVariableQuery>): Observable<DataQueryResponse> {
    const valueField = request.targets[0]?.valueField ?? 'name';
    return from(this.datasource.getNodes()).pipe(map((nodes) => ({ data: [nodesToFrame(nodes, valueField)] })));
  }
}

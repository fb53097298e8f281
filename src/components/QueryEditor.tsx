import { CoreApp, QueryEditorProps } from '@grafana/data';
import { EditorRow, EditorRows } from '@grafana/plugin-ui';
import React, { useEffect, useRef } from 'react';

import type { DataSource } from '../datasource';
import { effectiveQueryType, QUERY_TYPE_OPTIONS, queryProblems, sameQuery, selectableFields } from '../queryModel';
import { Selectors } from '../selectors';
import { isQueryType, RedisJsonData, RedisQuery } from '../types';
import { FieldsField } from './query/FieldsField';
import { LiveOptions } from './query/LiveOptions';
import { MetricField } from './query/MetricField';
import { NodeFilterField } from './query/NodeFilterField';
import { QueryProblems } from './query/QueryProblems';
import { QueryTypeField } from './query/QueryTypeField';
import { useConfiguredNodes } from './query/useConfiguredNodes';

export type Props = QueryEditorProps<DataSource, RedisQuery, RedisJsonData>;

/** Query type, node filter, then what the type takes (metric, fields, live growth), then any problems. */
export function QueryEditor({ query, onChange, onRunQuery, datasource, app }: Props) {
  const configured = useConfiguredNodes(datasource);
  const queryType = effectiveQueryType(query);
  const typeOptions = isQueryType(queryType) ? QUERY_TYPE_OPTIONS[queryType] : undefined;
  const selectable = selectableFields(query);

  // The query as last emitted: a picker may report one choice several times before the editor
  // re-renders, and a choice reported again is no change.
  const current = useRef(query);
  useEffect(() => {
    current.current = query;
  }, [query]);

  // Every change runs the query.
  const change = (next: RedisQuery) => {
    if (sameQuery(next, current.current)) {
      return;
    }
    current.current = next;
    onChange(next);
    onRunQuery();
  };

  const part = { query, onChange: change };

  return (
    <div data-testid={Selectors.query.editor}>
      <EditorRows>
        <EditorRow>
          <QueryTypeField {...part} />
        </EditorRow>
        <EditorRow>
          <NodeFilterField {...part} configured={configured} variables={datasource} />
          {typeOptions?.metric && <MetricField {...part} />}
        </EditorRow>
        {selectable && (
          <EditorRow>
            <FieldsField {...part} selectable={selectable} />
          </EditorRow>
        )}
        {typeOptions?.live && app !== CoreApp.UnifiedAlerting && <LiveOptions {...part} />}
        <QueryProblems
          nodesError={configured.error}
          problems={queryProblems(query, { app, knownNodes: configured.nodes })}
        />
      </EditorRows>
    </div>
  );
}

import { CoreApp, QueryEditorProps, SelectableValue } from '@grafana/data';
import { EditorField, EditorRow, EditorRows } from '@grafana/plugin-ui';
import { Alert, Combobox, ComboboxOption, MultiSelect, RadioButtonGroup, Stack, Switch, Text } from '@grafana/ui';
import React, { useEffect, useMemo, useRef } from 'react';

import type { DataSource } from '../datasource';
import { ALERT_METRIC_TEXT, MESSAGES, QUERY_TEXT, QUERY_TYPE_TEXT } from '../labels';
import { LIVE, liveIntervalOf } from '../live';
import { effectiveQueryType, queryProblems, sameQuery, withQueryType } from '../queryModel';
import { Selectors } from '../selectors';
import { ALERT_METRICS, AlertMetric, isQueryType, QUERY_TYPES, QueryType, RedisJsonData, RedisQuery } from '../types';
import { useConfiguredNodes } from './query/useConfiguredNodes';

export type Props = QueryEditorProps<DataSource, RedisQuery, RedisJsonData>;

const QUERY_TYPE_OPTIONS: Array<SelectableValue<QueryType>> = QUERY_TYPES.map((value) => ({
  value,
  label: QUERY_TYPE_TEXT[value].label,
  description: QUERY_TYPE_TEXT[value].description,
}));

const METRIC_OPTIONS: Array<ComboboxOption<AlertMetric>> = ALERT_METRICS.map((value) => ({
  value,
  label: ALERT_METRIC_TEXT[value].label,
  description: ALERT_METRIC_TEXT[value].description,
}));

const LIVE_INTERVAL_OPTIONS: Array<SelectableValue<number>> = LIVE.intervalPresetsMs.map((value) => ({
  value,
  label: QUERY_TEXT.liveIntervalOption(value),
}));

export function QueryEditor({ query, onChange, onRunQuery, datasource, app }: Props) {
  const configured = useConfiguredNodes(datasource);
  const queryType = effectiveQueryType(query);
  const knownType = isQueryType(queryType) ? queryType : undefined;

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

  const nodeOptions = useMemo((): Array<SelectableValue<string>> => {
    const nodes = (configured.nodes ?? []).map((node) => ({
      value: node.name || node.address,
      label: node.name || node.address,
      description: node.name && node.name !== node.address ? node.address : undefined,
    }));
    const variables = datasource.getVariableNames().map((name) => ({
      value: name,
      label: name,
      description: QUERY_TEXT.variableOption,
    }));
    return [...nodes, ...variables];
  }, [configured.nodes, datasource]);

  const selectedNodes = (query.nodes ?? []).map(
    (entry) => nodeOptions.find((option) => option.value === entry) ?? { value: entry, label: entry }
  );

  const problems = queryProblems(query, { app, knownNodes: configured.nodes });

  return (
    <div data-testid={Selectors.query.editor}>
      <EditorRows>
        <EditorRow>
          <EditorField label={QUERY_TEXT.queryType}>
            <div>
              <div data-testid={Selectors.query.queryType}>
                <RadioButtonGroup<QueryType>
                  options={QUERY_TYPE_OPTIONS}
                  value={knownType}
                  onChange={(value) => change(withQueryType(query, value))}
                />
              </div>
              <Text color="secondary" variant="bodySmall" element="p" data-testid={Selectors.query.queryTypeHelp}>
                {knownType ? QUERY_TYPE_TEXT[knownType].description : ''}
              </Text>
            </div>
          </EditorField>
        </EditorRow>
        <EditorRow>
          <EditorField label={QUERY_TEXT.nodes} tooltip={QUERY_TEXT.nodesTooltip} width={48}>
            <div data-testid={Selectors.query.nodes}>
              <MultiSelect<string>
                aria-label={QUERY_TEXT.nodes}
                allowCustomValue
                isLoading={configured.loading}
                options={nodeOptions}
                value={selectedNodes}
                placeholder={configured.loading ? QUERY_TEXT.nodesLoading : QUERY_TEXT.nodesPlaceholder}
                onChange={(items: Array<SelectableValue<string>>) =>
                  change({
                    ...query,
                    nodes: items.map((item) => item.value).filter((value): value is string => Boolean(value)),
                  })
                }
              />
            </div>
          </EditorField>
          {queryType === 'alerting' && (
            <EditorField
              label={QUERY_TEXT.metric}
              tooltip={QUERY_TEXT.metricTooltip}
              width={36}
              htmlFor="redis-query-metric"
            >
              <div data-testid={Selectors.query.metric}>
                <Combobox<AlertMetric>
                  id="redis-query-metric"
                  isClearable
                  options={METRIC_OPTIONS}
                  value={query.metric || null}
                  placeholder={QUERY_TEXT.metricPlaceholder}
                  onChange={(option: ComboboxOption<AlertMetric> | null) => {
                    const next: RedisQuery = { ...query, metric: option?.value };
                    if (!next.metric) {
                      delete next.metric;
                    }
                    change(next);
                  }}
                />
              </div>
            </EditorField>
          )}
        </EditorRow>
        {queryType === 'card' && app !== CoreApp.UnifiedAlerting && (
          <EditorRow>
            <EditorField label={QUERY_TEXT.live} tooltip={QUERY_TEXT.liveTooltip} htmlFor="redis-query-live">
              <div data-testid={Selectors.query.live}>
                <Switch
                  id="redis-query-live"
                  value={Boolean(query.live)}
                  onChange={(event) => {
                    const next: RedisQuery = { ...query, live: event.currentTarget.checked };
                    if (!next.live) {
                      delete next.live;
                      delete next.liveIntervalMs;
                    }
                    change(next);
                  }}
                />
              </div>
            </EditorField>
            {query.live && (
              <EditorField label={QUERY_TEXT.liveInterval} tooltip={QUERY_TEXT.liveIntervalTooltip}>
                <div data-testid={Selectors.query.liveInterval}>
                  <RadioButtonGroup<number>
                    options={LIVE_INTERVAL_OPTIONS}
                    value={liveIntervalOf(query)}
                    onChange={(value) => change({ ...query, liveIntervalMs: value })}
                  />
                </div>
              </EditorField>
            )}
          </EditorRow>
        )}
        {(configured.error || problems.length > 0) && (
          <Stack direction="column" gap={1} data-testid={Selectors.query.problems}>
            {configured.error && (
              <Alert
                severity="warning"
                title={MESSAGES.nodesLoadFailed(configured.error)}
                data-testid={Selectors.query.nodesError}
              />
            )}
            {problems.map((problem) => (
              <Alert key={problem.text} severity={problem.severity} title={problem.text} />
            ))}
          </Stack>
        )}
      </EditorRows>
    </div>
  );
}

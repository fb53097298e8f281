import { EditorField } from '@grafana/plugin-ui';
import { Combobox, ComboboxOption } from '@grafana/ui';
import React from 'react';

import { ALERT_METRIC_TEXT, QUERY_TEXT } from '../../labels';
import { Selectors } from '../../selectors';
import { ALERT_METRICS, AlertMetric, RedisQuery } from '../../types';
import { QueryPartProps } from './props';

const METRIC_OPTIONS: Array<ComboboxOption<AlertMetric>> = ALERT_METRICS.map((value) => ({
  value,
  label: ALERT_METRIC_TEXT[value].label,
  description: ALERT_METRIC_TEXT[value].description,
}));

/** The series kind of an alerting query; clearing it asks for every kind. */
export function MetricField({ query, onChange }: QueryPartProps) {
  return (
    <EditorField label={QUERY_TEXT.metric} tooltip={QUERY_TEXT.metricTooltip} width={36} htmlFor="redis-query-metric">
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
            onChange(next);
          }}
        />
      </div>
    </EditorField>
  );
}

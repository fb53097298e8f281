import { SelectableValue } from '@grafana/data';
import { EditorField, EditorRow } from '@grafana/plugin-ui';
import { RadioButtonGroup, Switch } from '@grafana/ui';
import React from 'react';

import { QUERY_TEXT } from '../../labels';
import { LIVE, liveIntervalOf } from '../../live';
import { Selectors } from '../../selectors';
import { RedisQuery } from '../../types';
import { QueryPartProps } from './props';

const LIVE_INTERVAL_OPTIONS: Array<SelectableValue<number>> = LIVE.intervalPresetsMs.map((value) => ({
  value,
  label: QUERY_TEXT.liveIntervalOption(value),
}));

/** Live growth of a card query: the switch, and the push interval while it is on. */
export function LiveOptions({ query, onChange }: QueryPartProps) {
  return (
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
              onChange(next);
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
              onChange={(value) => onChange({ ...query, liveIntervalMs: value })}
            />
          </div>
        </EditorField>
      )}
    </EditorRow>
  );
}

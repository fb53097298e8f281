import { SelectableValue } from '@grafana/data';
import { EditorField } from '@grafana/plugin-ui';
import { MultiSelect } from '@grafana/ui';
import React from 'react';

import { QUERY_TEXT } from '../../labels';
import { fieldsOf } from '../../queryModel';
import { Selectors } from '../../selectors';
import { RedisQuery } from '../../types';
import { QueryPartProps } from './props';

interface Props extends QueryPartProps {
  /** What the query type's frame has, in frame order. */
  selectable: readonly string[];
}

/** The frame's fields to return; clearing the selection returns them all. */
export function FieldsField({ query, onChange, selectable }: Props) {
  const options: Array<SelectableValue<string>> = selectable.map((name) => ({ value: name, label: name }));
  const selected = fieldsOf(query).map((name) => ({ value: name, label: name }));
  return (
    <EditorField label={QUERY_TEXT.fields} tooltip={QUERY_TEXT.fieldsTooltip} width={48}>
      <div data-testid={Selectors.query.fields}>
        <MultiSelect<string>
          aria-label={QUERY_TEXT.fields}
          options={options}
          value={selected}
          placeholder={QUERY_TEXT.fieldsPlaceholder}
          onChange={(items: Array<SelectableValue<string>>) => {
            // Kept in frame order, so that the same choice is the same query.
            const names = items.map((item) => item.value);
            const next: RedisQuery = { ...query, fields: selectable.filter((name) => names.includes(name)) };
            if (!next.fields?.length) {
              delete next.fields;
            }
            onChange(next);
          }}
        />
      </div>
    </EditorField>
  );
}

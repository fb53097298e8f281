import { QueryEditorProps, SelectableValue } from '@grafana/data';
import { Field, RadioButtonGroup, Text } from '@grafana/ui';
import React from 'react';

import type { DataSource } from '../datasource';
import { VARIABLE_TEXT } from '../labels';
import { Selectors } from '../selectors';
import { NodeVariableQuery, RedisJsonData, RedisQuery } from '../types';

export type NodeVariableEditorProps = QueryEditorProps<DataSource, RedisQuery, RedisJsonData, NodeVariableQuery>;

type ValueField = NonNullable<NodeVariableQuery['valueField']>;

const VALUE_OPTIONS: Array<SelectableValue<ValueField>> = [
  { value: 'name', label: VARIABLE_TEXT.valueName, description: VARIABLE_TEXT.valueNameDescription },
  { value: 'address', label: VARIABLE_TEXT.valueAddress, description: VARIABLE_TEXT.valueAddressDescription },
];

export function NodeVariableEditor({ query, onChange }: NodeVariableEditorProps) {
  return (
    <div data-testid={Selectors.variable.editor}>
      <Text color="secondary" element="p">
        {VARIABLE_TEXT.description}
      </Text>
      <Field label={VARIABLE_TEXT.valueField} description={VARIABLE_TEXT.valueFieldTooltip}>
        <div data-testid={Selectors.variable.valueField}>
          <RadioButtonGroup<ValueField>
            options={VALUE_OPTIONS}
            value={query.valueField ?? 'name'}
            onChange={(valueField) => onChange({ ...query, valueField })}
          />
        </div>
      </Field>
    </div>
  );
}

import { SelectableValue } from '@grafana/data';
import { EditorField } from '@grafana/plugin-ui';
import { RadioButtonGroup, Text } from '@grafana/ui';
import React from 'react';

import { QUERY_TEXT, QUERY_TYPE_TEXT } from '../../labels';
import { effectiveQueryType, withQueryType } from '../../queryModel';
import { Selectors } from '../../selectors';
import { isQueryType, QUERY_TYPES, QueryType } from '../../types';
import { QueryPartProps } from './props';

const TYPE_CHOICES: Array<SelectableValue<QueryType>> = QUERY_TYPES.map((value) => ({
  value,
  label: QUERY_TYPE_TEXT[value].label,
  description: QUERY_TYPE_TEXT[value].description,
}));

/** The query type, with the help of the selected one; an unknown type selects none. */
export function QueryTypeField({ query, onChange }: QueryPartProps) {
  const queryType = effectiveQueryType(query);
  const knownType = isQueryType(queryType) ? queryType : undefined;
  return (
    <EditorField label={QUERY_TEXT.queryType}>
      <div>
        <div data-testid={Selectors.query.queryType}>
          <RadioButtonGroup<QueryType>
            options={TYPE_CHOICES}
            value={knownType}
            onChange={(value) => onChange(withQueryType(query, value))}
          />
        </div>
        <Text color="secondary" variant="bodySmall" element="p" data-testid={Selectors.query.queryTypeHelp}>
          {knownType ? QUERY_TYPE_TEXT[knownType].description : ''}
        </Text>
      </div>
    </EditorField>
  );
}

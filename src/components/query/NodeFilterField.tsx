import { SelectableValue } from '@grafana/data';
import { EditorField } from '@grafana/plugin-ui';
import { MultiSelect } from '@grafana/ui';
import React, { useMemo } from 'react';

import type { DataSource } from '../../datasource';
import { QUERY_TEXT } from '../../labels';
import { Selectors } from '../../selectors';
import { QueryPartProps } from './props';
import { ConfiguredNodes } from './useConfiguredNodes';

interface Props extends QueryPartProps {
  configured: ConfiguredNodes;
  variables: Pick<DataSource, 'getVariableNames'>;
}

/**
 * The nodes a query reads: configured nodes by name (or address), dashboard variables, or
 * anything typed; empty means every node.
 */
export function NodeFilterField({ query, onChange, configured, variables }: Props) {
  const options = useMemo((): Array<SelectableValue<string>> => {
    const nodes = (configured.nodes ?? []).map((node) => ({
      value: node.name || node.address,
      label: node.name || node.address,
      description: node.name && node.name !== node.address ? node.address : undefined,
    }));
    const variableOptions = variables.getVariableNames().map((name) => ({
      value: name,
      label: name,
      description: QUERY_TEXT.variableOption,
    }));
    return [...nodes, ...variableOptions];
  }, [configured.nodes, variables]);

  const selected = (query.nodes ?? []).map(
    (entry) => options.find((option) => option.value === entry) ?? { value: entry, label: entry }
  );

  return (
    <EditorField label={QUERY_TEXT.nodes} tooltip={QUERY_TEXT.nodesTooltip} width={48}>
      <div data-testid={Selectors.query.nodes}>
        <MultiSelect<string>
          aria-label={QUERY_TEXT.nodes}
          allowCustomValue
          isLoading={configured.loading}
          options={options}
          value={selected}
          placeholder={configured.loading ? QUERY_TEXT.nodesLoading : QUERY_TEXT.nodesPlaceholder}
          onChange={(items: Array<SelectableValue<string>>) =>
            onChange({
              ...query,
              nodes: items.map((item) => item.value).filter((value): value is string => Boolean(value)),
            })
          }
        />
      </div>
    </EditorField>
  );
}

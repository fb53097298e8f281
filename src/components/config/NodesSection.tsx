import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { ConfigSection } from '@grafana/plugin-ui';
import { Button, FieldValidationMessage, IconButton, InlineField, Input, Stack, Text, useStyles2 } from '@grafana/ui';
import React, { useState } from 'react';

import { CONFIG_TEXT } from '../../labels';
import { Selectors } from '../../selectors';
import { RedisNode } from '../../types';
import { SettingsProblems } from '../../validation';

interface Props {
  nodes: RedisNode[];
  problems: Pick<SettingsProblems, 'nodes' | 'nodeRows'>;
  onChange: (nodes: RedisNode[]) => void;
}

const text = CONFIG_TEXT.nodes;
const selectors = Selectors.config.nodes;

export function NodesSection({ nodes, problems, onChange }: Props) {
  const styles = useStyles2(getStyles);
  // Rows the user has left once: their empty address is then reported, not before.
  const [touched, setTouched] = useState<Set<number>>(new Set());

  const updateNode = (index: number, patch: Partial<RedisNode>) => {
    onChange(
      nodes.map((node, i) => {
        if (i !== index) {
          return node;
        }
        const next: RedisNode = { ...node, ...patch };
        if (next.name === '') {
          delete next.name;
        }
        return next;
      })
    );
  };

  const removeNode = (index: number) => {
    onChange(nodes.filter((_, i) => i !== index));
    setTouched(new Set([...touched].filter((i) => i !== index).map((i) => (i > index ? i - 1 : i))));
  };

  const addNode = () => onChange([...nodes, { address: '' }]);
  const touch = (index: number) => setTouched(new Set(touched).add(index));

  return (
    <ConfigSection title={text.title} description={text.description}>
      <div data-testid={selectors.section}>
        {nodes.length === 0 && (
          <Text color="secondary" element="p">
            {text.empty}
          </Text>
        )}
        {nodes.map((node, index) => {
          const rowProblems = problems.nodeRows[index] ?? {};
          const showAddressProblem = Boolean(rowProblems.address) && (touched.has(index) || node.address !== '');
          return (
            <Stack key={index} direction="row" gap={1} alignItems="flex-start" data-testid={selectors.row(index)}>
              <InlineField
                label={text.address}
                labelWidth={12}
                tooltip={text.addressTooltip}
                invalid={showAddressProblem}
                error={showAddressProblem ? rowProblems.address : undefined}
                htmlFor={`redis-node-address-${index}`}
                required
                grow
              >
                <Input
                  id={`redis-node-address-${index}`}
                  data-testid={selectors.address(index)}
                  value={node.address}
                  placeholder={text.addressPlaceholder}
                  onChange={(event) => updateNode(index, { address: event.currentTarget.value })}
                  onBlur={() => touch(index)}
                />
              </InlineField>
              <InlineField
                label={text.name}
                labelWidth={16}
                tooltip={text.nameTooltip}
                invalid={Boolean(rowProblems.name)}
                error={rowProblems.name}
                htmlFor={`redis-node-name-${index}`}
              >
                <Input
                  id={`redis-node-name-${index}`}
                  data-testid={selectors.name(index)}
                  value={node.name ?? ''}
                  placeholder={text.namePlaceholder}
                  width={28}
                  onChange={(event) => updateNode(index, { name: event.currentTarget.value })}
                />
              </InlineField>
              <IconButton
                className={styles.remove}
                name="trash-alt"
                tooltip={`${text.remove} ${index + 1}`}
                aria-label={`${text.remove} ${index + 1}`}
                data-testid={selectors.remove(index)}
                onClick={() => removeNode(index)}
              />
            </Stack>
          );
        })}
        {problems.nodes && (
          <div data-testid={selectors.listError}>
            <FieldValidationMessage>{problems.nodes}</FieldValidationMessage>
          </div>
        )}
        <Button
          className={styles.add}
          variant="secondary"
          icon="plus"
          size="sm"
          onClick={addNode}
          data-testid={selectors.add}
        >
          {text.add}
        </Button>
      </div>
    </ConfigSection>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  remove: css({ marginTop: theme.spacing(1) }),
  add: css({ marginTop: theme.spacing(1) }),
});

import { css } from '@emotion/css';
import { GrafanaTheme2, SelectableValue } from '@grafana/data';
import { ConfigSection } from '@grafana/plugin-ui';
import {
  Field,
  FieldValidationMessage,
  InlineField,
  Input,
  RadioButtonGroup,
  Stack,
  Text,
  useStyles2,
} from '@grafana/ui';
import React, { useState } from 'react';

import { CONFIG_TEXT, NodeListText } from '../../labels';
import { Selectors } from '../../selectors';
import { DISCOVERY_MODES, DiscoveryMode, RedisNode } from '../../types';
import { SettingsProblems } from '../../validation/settings';
import { AddRowButton, EmptyListNote, RemoveRowButton } from './ListControls';

interface Props {
  /** undefined: jsonData.discovery holds a value that is not a mode (problems.discovery says so). */
  mode: DiscoveryMode | undefined;
  nodes: RedisNode[];
  problems: Pick<SettingsProblems, 'discovery' | 'nodes' | 'nodeRows'>;
  onChange: (nodes: RedisNode[]) => void;
  onModeChange: (mode: DiscoveryMode) => void;
}

const selectors = Selectors.config.nodes;
const modeText = CONFIG_TEXT.discoveryMode;

const STATIC_LIST: NodeListText & { title: string } = CONFIG_TEXT.nodes;
const LISTS: Record<DiscoveryMode, NodeListText> = { static: STATIC_LIST, ...CONFIG_TEXT.nodeLists };

const MODE_OPTIONS: Array<SelectableValue<DiscoveryMode>> = DISCOVERY_MODES.map((value) => ({
  value,
  label: modeText.options[value].label,
  description: modeText.options[value].description,
}));

export function NodesSection({ mode, nodes, problems, onChange, onModeChange }: Props) {
  const styles = useStyles2(getStyles);
  const text = LISTS[mode ?? 'static'];
  // Display names only mean something for static nodes; an unknown mode shows them as static.
  const withNames = mode === 'static' || mode === undefined;
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
    <ConfigSection title={STATIC_LIST.title} description={text.description}>
      <Field label={modeText.label} description={modeText.description}>
        <div>
          <div data-testid={selectors.mode}>
            <RadioButtonGroup<DiscoveryMode>
              aria-label={modeText.label}
              options={MODE_OPTIONS}
              value={mode}
              onChange={onModeChange}
            />
          </div>
          <Text color="secondary" variant="bodySmall" element="p" data-testid={selectors.modeHelp}>
            {mode ? modeText.options[mode].description : ''}
          </Text>
          {problems.discovery && (
            <div data-testid={selectors.modeError}>
              <FieldValidationMessage>{problems.discovery}</FieldValidationMessage>
            </div>
          )}
        </div>
      </Field>
      <div data-testid={selectors.section}>
        {!withNames && (
          <div className={styles.note} data-testid={selectors.namesNote}>
            <Text color="secondary" variant="bodySmall" element="p">
              {CONFIG_TEXT.namesNote}
            </Text>
          </div>
        )}
        {nodes.length === 0 && <EmptyListNote text={text.empty} />}
        {nodes.map((node, index) => {
          const rowProblems = problems.nodeRows[index] ?? {};
          const showAddressProblem = Boolean(rowProblems.address) && (touched.has(index) || node.address !== '');
          return (
            <Stack key={index} direction="row" gap={1} alignItems="flex-start" data-testid={selectors.row(index)}>
              <InlineField
                label={text.address}
                labelWidth={withNames ? 12 : 14}
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
              {withNames && (
                <InlineField
                  label={CONFIG_TEXT.nodes.name}
                  labelWidth={16}
                  tooltip={CONFIG_TEXT.nodes.nameTooltip}
                  invalid={Boolean(rowProblems.name)}
                  error={rowProblems.name}
                  htmlFor={`redis-node-name-${index}`}
                >
                  <Input
                    id={`redis-node-name-${index}`}
                    data-testid={selectors.name(index)}
                    value={node.name ?? ''}
                    placeholder={CONFIG_TEXT.nodes.namePlaceholder}
                    width={28}
                    onChange={(event) => updateNode(index, { name: event.currentTarget.value })}
                  />
                </InlineField>
              )}
              <RemoveRowButton label={text.remove} row={index} testId={selectors.remove} onRemove={removeNode} />
            </Stack>
          );
        })}
        {problems.nodes && (
          <div data-testid={selectors.listError}>
            <FieldValidationMessage>{problems.nodes}</FieldValidationMessage>
          </div>
        )}
        <AddRowButton label={text.add} testId={selectors.add} onClick={addNode} />
      </div>
    </ConfigSection>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  note: css({ marginBottom: theme.spacing(1) }),
});

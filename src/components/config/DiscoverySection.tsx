import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { ConfigSection } from '@grafana/plugin-ui';
import { FieldValidationMessage, InlineField, Input, Label, Stack, useStyles2 } from '@grafana/ui';
import React, { useState } from 'react';

import { CONFIG_TEXT } from '../../labels';
import { Selectors } from '../../selectors';
import { AddressMapping } from '../../types';
import { SettingsProblems } from '../../validation/settings';
import { AddRowButton, EmptyListNote, RemoveRowButton } from './ListControls';
import { SettingsEditorProps, updateJsonData } from './options';
import { NumberSetting } from './SettingFields';

interface Props extends SettingsEditorProps {
  problems: Pick<SettingsProblems, 'addressMapRows' | 'discoveryIntervalMs'>;
}

type Side = keyof AddressMapping;

const text = CONFIG_TEXT.discovery;
const selectors = Selectors.config.discovery;

/** Cluster and sentinel modes: how often the topology is read, and the address remapping. */
export function DiscoverySection({ problems, ...settings }: Props) {
  const { options, onOptionsChange } = settings;
  const styles = useStyles2(getStyles);
  const map = options.jsonData.addressMap ?? [];
  // Inputs the user has left once ("from-0"): their empty value is then reported, not before.
  const [touched, setTouched] = useState<Set<string>>(new Set());

  const setMap = (next: AddressMapping[]) =>
    onOptionsChange(updateJsonData(options, { addressMap: next.length > 0 ? next : undefined }));

  const update = (index: number, side: Side, value: string) =>
    setMap(map.map((mapping, i) => (i === index ? { ...mapping, [side]: value } : mapping)));

  const remove = (index: number) => {
    setMap(map.filter((_, i) => i !== index));
    const shifted = new Set<string>();
    for (const key of touched) {
      const [side, at] = key.split('-');
      const i = Number(at);
      if (i !== index) {
        shifted.add(`${side}-${i > index ? i - 1 : i}`);
      }
    }
    setTouched(shifted);
  };

  const touch = (index: number, side: Side) => setTouched(new Set(touched).add(`${side}-${index}`));

  /** The problem of one side, once there is something to report: a value, or a field left empty. */
  const shownProblem = (mapping: AddressMapping, index: number, side: Side) => {
    const problem = problems.addressMapRows[index]?.[side];
    return problem && (touched.has(`${side}-${index}`) || (mapping[side] ?? '') !== '') ? problem : undefined;
  };

  const sideInput = (mapping: AddressMapping, index: number, side: Side) => {
    const id = `redis-address-map-${side}-${index}`;
    // The messages go under the row, so that both sides keep the same width.
    return (
      <InlineField
        className={styles.side}
        label={side === 'from' ? text.from : text.to}
        labelWidth={14}
        tooltip={side === 'from' ? text.fromTooltip : text.toTooltip}
        invalid={Boolean(shownProblem(mapping, index, side))}
        htmlFor={id}
        required
        grow
      >
        <Input
          id={id}
          data-testid={side === 'from' ? selectors.mapFrom(index) : selectors.mapTo(index)}
          value={mapping[side] ?? ''}
          placeholder={side === 'from' ? text.fromPlaceholder : text.toPlaceholder}
          onChange={(event) => update(index, side, event.currentTarget.value)}
          onBlur={() => touch(index, side)}
        />
      </InlineField>
    );
  };

  return (
    <ConfigSection title={text.title} description={text.description}>
      <div data-testid={selectors.section}>
        <div className={styles.map}>
          <Label description={text.addressMapTooltip}>{text.addressMap}</Label>
          <div>
            {map.length === 0 && <EmptyListNote text={text.empty} />}
            {map.map((mapping, index) => {
              const messages = (['from', 'to'] as const)
                .map((side) => shownProblem(mapping, index, side))
                .filter((message): message is string => Boolean(message));
              return (
                <div key={index} className={styles.row} data-testid={selectors.mapRow(index)}>
                  <Stack direction="row" gap={1} alignItems="flex-start">
                    {sideInput(mapping, index, 'from')}
                    {sideInput(mapping, index, 'to')}
                    <RemoveRowButton label={text.remove} row={index} testId={selectors.mapRemove} onRemove={remove} />
                  </Stack>
                  {messages.map((message) => (
                    <FieldValidationMessage key={message}>{message}</FieldValidationMessage>
                  ))}
                </div>
              );
            })}
            <AddRowButton
              label={text.add}
              testId={selectors.mapAdd}
              onClick={() => setMap([...map, { from: '', to: '' }])}
            />
          </div>
        </div>
        <NumberSetting
          {...settings}
          setting="discoveryIntervalMs"
          text={text.interval}
          testId={selectors.interval}
          problem={problems.discoveryIntervalMs}
        />
      </div>
    </ConfigSection>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  map: css({ marginBottom: theme.spacing(2) }),
  row: css({ marginBottom: theme.spacing(0.5) }),
  side: css({ flex: '1 1 0', minWidth: 0 }),
});

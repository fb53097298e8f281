import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { ConfigSection } from '@grafana/plugin-ui';
import {
  Button,
  Field,
  FieldValidationMessage,
  IconButton,
  InlineField,
  Input,
  Label,
  Stack,
  Text,
  useStyles2,
} from '@grafana/ui';
import React, { useState } from 'react';

import { CONFIG_TEXT } from '../../labels';
import { Selectors } from '../../selectors';
import { AddressMapping, DEFAULTS } from '../../types';
import { SettingsProblems } from '../../validation/settings';
import { parseOptionalNumber, RedisSettings, updateJsonData } from './options';

interface Props {
  options: RedisSettings;
  onOptionsChange: (options: RedisSettings) => void;
  problems: Pick<SettingsProblems, 'addressMapRows' | 'discoveryIntervalMs'>;
}

type Side = keyof AddressMapping;

const text = CONFIG_TEXT.discovery;
const selectors = Selectors.config.discovery;

/** Cluster and sentinel modes: how often the topology is read, and the address remapping. */
export function DiscoverySection({ options, onOptionsChange, problems }: Props) {
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
            {map.length === 0 && (
              <Text color="secondary" element="p">
                {text.empty}
              </Text>
            )}
            {map.map((mapping, index) => {
              const messages = (['from', 'to'] as const)
                .map((side) => shownProblem(mapping, index, side))
                .filter((message): message is string => Boolean(message));
              return (
                <div key={index} className={styles.row} data-testid={selectors.mapRow(index)}>
                  <Stack direction="row" gap={1} alignItems="flex-start">
                    {sideInput(mapping, index, 'from')}
                    {sideInput(mapping, index, 'to')}
                    <IconButton
                      className={styles.remove}
                      name="trash-alt"
                      tooltip={`${text.remove} ${index + 1}`}
                      aria-label={`${text.remove} ${index + 1}`}
                      data-testid={selectors.mapRemove(index)}
                      onClick={() => remove(index)}
                    />
                  </Stack>
                  {messages.map((message) => (
                    <FieldValidationMessage key={message}>{message}</FieldValidationMessage>
                  ))}
                </div>
              );
            })}
            <Button
              className={styles.add}
              variant="secondary"
              icon="plus"
              size="sm"
              onClick={() => setMap([...map, { from: '', to: '' }])}
              data-testid={selectors.mapAdd}
            >
              {text.add}
            </Button>
          </div>
        </div>
        <Field
          label={text.interval}
          description={text.intervalTooltip}
          htmlFor="redis-discoveryIntervalMs"
          invalid={Boolean(problems.discoveryIntervalMs)}
          error={problems.discoveryIntervalMs}
        >
          <Input
            id="redis-discoveryIntervalMs"
            data-testid={selectors.interval}
            type="number"
            width={20}
            value={options.jsonData.discoveryIntervalMs ?? ''}
            placeholder={String(DEFAULTS.discoveryIntervalMs)}
            onChange={(event) =>
              onOptionsChange(
                updateJsonData(options, { discoveryIntervalMs: parseOptionalNumber(event.currentTarget.value) })
              )
            }
          />
        </Field>
      </div>
    </ConfigSection>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  remove: css({ marginTop: theme.spacing(1) }),
  add: css({ marginTop: theme.spacing(1) }),
  map: css({ marginBottom: theme.spacing(2) }),
  row: css({ marginBottom: theme.spacing(0.5) }),
  side: css({ flex: '1 1 0', minWidth: 0 }),
});

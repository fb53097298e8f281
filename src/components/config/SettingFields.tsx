/**
 * The fields the configuration sections are made of: one jsonData or secureJsonData key each,
 * labelled from src/labels.ts, with the key's problem (if any) under the field.
 */
import { Field, Input, SecretInput, SecretTextArea, Switch } from '@grafana/ui';
import React, { FormEvent, ReactElement } from 'react';

import { FieldText } from '../../labels';
import { DEFAULTS, SecureKey } from '../../types';
import { parseOptionalNumber, SettingsEditorProps, resetSecret, updateJsonData, updateSecret } from './options';

type TextKey = 'username' | 'sentinelUsername' | 'tlsServerName';
/** The number settings, each with a default that an empty field stands for. */
type NumberKey = keyof typeof DEFAULTS;
type SwitchKey = 'tlsEnabled' | 'tlsSkipVerify';

interface SettingProps<Key> extends SettingsEditorProps {
  setting: Key;
  text: FieldText;
  testId: string;
  problem?: string;
}

/** The field around one setting's input: label, help and the setting's problem. */
export function SettingField({
  text,
  htmlFor,
  problem,
  testId,
  children,
}: {
  text: FieldText;
  htmlFor: string;
  problem?: string;
  /** Only where the input itself takes no test id. */
  testId?: string;
  children: ReactElement<Record<string, unknown>>;
}) {
  return (
    <Field
      label={text.label}
      description={text.description}
      htmlFor={htmlFor}
      invalid={Boolean(problem)}
      error={problem}
      data-testid={testId}
    >
      {children}
    </Field>
  );
}

interface InputSettingProps extends SettingProps<TextKey | NumberKey> {
  type?: 'number';
  width: number;
  placeholder?: string;
  /** The typed text as the value to store; undefined removes the key. */
  parse: (typed: string) => string | number | undefined;
}

function InputSetting({ parse, ...props }: InputSettingProps) {
  const { options, onOptionsChange, setting } = props;
  const id = `redis-${setting}`;
  return (
    <SettingField text={props.text} htmlFor={id} problem={props.problem}>
      <Input
        id={id}
        data-testid={props.testId}
        type={props.type}
        width={props.width}
        value={options.jsonData[setting] ?? ''}
        placeholder={props.placeholder}
        onChange={(event) => onOptionsChange(updateJsonData(options, { [setting]: parse(event.currentTarget.value) }))}
      />
    </SettingField>
  );
}

/** A free-text jsonData setting; an empty field removes the key. */
export function TextSetting(props: SettingProps<TextKey>) {
  return (
    <InputSetting {...props} width={40} placeholder={props.text.placeholder} parse={(typed) => typed || undefined} />
  );
}

/** A number jsonData setting; an empty field removes the key, and the default shows instead. */
export function NumberSetting(props: SettingProps<NumberKey>) {
  const placeholder = String(DEFAULTS[props.setting]);
  return <InputSetting {...props} type="number" width={20} placeholder={placeholder} parse={parseOptionalNumber} />;
}

/** An on/off jsonData setting; off removes the key. */
export function SwitchSetting({ options, onOptionsChange, setting, text, testId }: SettingProps<SwitchKey>) {
  const id = `redis-${setting}`;
  return (
    <SettingField text={text} htmlFor={id}>
      <Switch
        id={id}
        data-testid={testId}
        value={Boolean(options.jsonData[setting])}
        onChange={(event) =>
          onOptionsChange(updateJsonData(options, { [setting]: event.currentTarget.checked || undefined }))
        }
      />
    </SettingField>
  );
}

/**
 * A secret: what is typed goes to secureJsonData only; a stored one shows as configured, never
 * its value, and Reset deletes it on save. Certificates and keys take several lines.
 */
export function SecretSetting({ multiline = false, ...props }: SettingProps<SecureKey> & { multiline?: boolean }) {
  const { options, onOptionsChange, setting } = props;
  const id = `redis-${setting}`;
  const input = {
    id,
    'data-testid': props.testId,
    isConfigured: Boolean(options.secureJsonFields?.[setting]),
    value: options.secureJsonData?.[setting] ?? '',
    placeholder: props.text.placeholder,
    onChange: (event: FormEvent<HTMLInputElement | HTMLTextAreaElement>) =>
      onOptionsChange(updateSecret(options, setting, event.currentTarget.value)),
    onReset: () => onOptionsChange(resetSecret(options, setting)),
  };
  return (
    <SettingField text={props.text} htmlFor={id} problem={props.problem}>
      {multiline ? <SecretTextArea {...input} rows={4} cols={64} /> : <SecretInput {...input} width={40} />}
    </SettingField>
  );
}

import { ConfigSection } from '@grafana/plugin-ui';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Alert, Field, Input, SecretTextArea, Switch, Text, useStyles2 } from '@grafana/ui';
import React from 'react';

import { CONFIG_TEXT } from '../../labels';
import { Selectors } from '../../selectors';
import { SecureKey } from '../../types';
import { anyNodeUsesTLS } from '../../validation/address';
import { SettingsProblems } from '../../validation/settings';
import { RedisSettings, resetSecret, updateJsonData, updateSecret } from './options';

interface Props {
  options: RedisSettings;
  onOptionsChange: (options: RedisSettings) => void;
  problems: Pick<SettingsProblems, 'tlsCACert' | 'tlsClientCert' | 'tlsClientKey'>;
}

const text = CONFIG_TEXT.tls;
const selectors = Selectors.config.tls;

interface SecretFieldSpec {
  key: Extract<SecureKey, 'tlsCACert' | 'tlsClientCert' | 'tlsClientKey'>;
  label: string;
  description: string;
  placeholder: string;
  testId: string;
}

const SECRET_FIELDS: SecretFieldSpec[] = [
  {
    key: 'tlsCACert',
    label: text.caCert,
    description: text.caCertTooltip,
    placeholder: text.caCertPlaceholder,
    testId: selectors.caCert,
  },
  {
    key: 'tlsClientCert',
    label: text.clientCert,
    description: text.clientCertTooltip,
    placeholder: text.clientCertPlaceholder,
    testId: selectors.clientCert,
  },
  {
    key: 'tlsClientKey',
    label: text.clientKey,
    description: text.clientKeyTooltip,
    placeholder: text.clientKeyPlaceholder,
    testId: selectors.clientKey,
  },
];

export function TLSSection({ options, onOptionsChange, problems }: Props) {
  const styles = useStyles2(getStyles);
  const { jsonData } = options;
  const perNodeTLS = anyNodeUsesTLS(jsonData.nodes);
  const showDetails = Boolean(jsonData.tlsEnabled) || perNodeTLS;

  return (
    <ConfigSection title={text.title} description={text.description} isCollapsible isInitiallyOpen={showDetails}>
      <Field label={text.enabled} description={text.enabledTooltip} htmlFor="redis-tls-enabled">
        <Switch
          id="redis-tls-enabled"
          data-testid={selectors.enabled}
          value={Boolean(jsonData.tlsEnabled)}
          onChange={(event) =>
            onOptionsChange(updateJsonData(options, { tlsEnabled: event.currentTarget.checked || undefined }))
          }
        />
      </Field>
      {perNodeTLS && !jsonData.tlsEnabled && (
        <div className={styles.note}>
          <Text color="secondary" element="p">
            {text.rediss}
          </Text>
        </div>
      )}
      {showDetails && (
        <>
          {SECRET_FIELDS.map((spec) => (
            <Field
              key={spec.key}
              label={spec.label}
              description={spec.description}
              htmlFor={`redis-${spec.key}`}
              invalid={Boolean(problems[spec.key])}
              error={problems[spec.key]}
            >
              <SecretTextArea
                id={`redis-${spec.key}`}
                data-testid={spec.testId}
                rows={4}
                cols={64}
                isConfigured={Boolean(options.secureJsonFields?.[spec.key])}
                value={options.secureJsonData?.[spec.key] ?? ''}
                placeholder={spec.placeholder}
                onChange={(event) => onOptionsChange(updateSecret(options, spec.key, event.currentTarget.value))}
                onReset={() => onOptionsChange(resetSecret(options, spec.key))}
              />
            </Field>
          ))}
          <Field label={text.serverName} description={text.serverNameTooltip} htmlFor="redis-tls-server-name">
            <Input
              id="redis-tls-server-name"
              data-testid={selectors.serverName}
              width={40}
              value={jsonData.tlsServerName ?? ''}
              placeholder={text.serverNamePlaceholder}
              onChange={(event) =>
                onOptionsChange(updateJsonData(options, { tlsServerName: event.currentTarget.value || undefined }))
              }
            />
          </Field>
          <Field label={text.skipVerify} description={text.skipVerifyTooltip} htmlFor="redis-tls-skip-verify">
            <Switch
              id="redis-tls-skip-verify"
              data-testid={selectors.skipVerify}
              value={Boolean(jsonData.tlsSkipVerify)}
              onChange={(event) =>
                onOptionsChange(updateJsonData(options, { tlsSkipVerify: event.currentTarget.checked || undefined }))
              }
            />
          </Field>
          {jsonData.tlsSkipVerify && (
            <Alert severity="warning" title={text.skipVerifyWarningTitle} data-testid={selectors.skipVerifyWarning}>
              {text.skipVerifyWarning}
            </Alert>
          )}
        </>
      )}
    </ConfigSection>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  note: css({ marginBottom: theme.spacing(2) }),
});

import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { ConfigSection } from '@grafana/plugin-ui';
import { Alert, Text, useStyles2 } from '@grafana/ui';
import React from 'react';

import { CONFIG_TEXT, FieldText } from '../../labels';
import { Selectors } from '../../selectors';
import { anyNodeUsesTLS } from '../../validation/address';
import { SettingsProblems } from '../../validation/settings';
import { SettingsEditorProps } from './options';
import { SecretSetting, SwitchSetting, TextSetting } from './SettingFields';

interface Props extends SettingsEditorProps {
  problems: Pick<SettingsProblems, 'tlsCACert' | 'tlsClientCert' | 'tlsClientKey'>;
}

const text = CONFIG_TEXT.tls;
const selectors = Selectors.config.tls;

/** Collapsed while no node uses TLS; the certificates show once one does. */
export function TLSSection({ problems, ...settings }: Props) {
  const styles = useStyles2(getStyles);
  const { jsonData } = settings.options;
  const perNodeTLS = anyNodeUsesTLS(jsonData.nodes);
  const showDetails = Boolean(jsonData.tlsEnabled) || perNodeTLS;
  const certificate = (setting: keyof Props['problems'], fieldText: FieldText, testId: string) => (
    <SecretSetting
      {...settings}
      setting={setting}
      text={fieldText}
      testId={testId}
      problem={problems[setting]}
      multiline
    />
  );

  return (
    <ConfigSection title={text.title} description={text.description} isCollapsible isInitiallyOpen={showDetails}>
      <SwitchSetting {...settings} setting="tlsEnabled" text={text.enabled} testId={selectors.enabled} />
      {perNodeTLS && !jsonData.tlsEnabled && (
        <div className={styles.note}>
          <Text color="secondary" element="p">
            {text.rediss}
          </Text>
        </div>
      )}
      {showDetails && (
        <>
          {certificate('tlsCACert', text.caCert, selectors.caCert)}
          {certificate('tlsClientCert', text.clientCert, selectors.clientCert)}
          {certificate('tlsClientKey', text.clientKey, selectors.clientKey)}
          <TextSetting {...settings} setting="tlsServerName" text={text.serverName} testId={selectors.serverName} />
          <SwitchSetting {...settings} setting="tlsSkipVerify" text={text.skipVerify} testId={selectors.skipVerify} />
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

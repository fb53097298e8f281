import CopyWebpackPlugin from 'copy-webpack-plugin';
import type { Configuration } from 'webpack';

import grafanaConfig, { type Env } from './.config/webpack/webpack.config';

/**
 * create-plugin's managed configuration, plus the alert runbooks: Grafana serves them from the
 * plugin's folder (/public/plugins/<plugin id>/runbooks/), where the bundled rules' runbook_url
 * points.
 */
const config = async (env: Env): Promise<Configuration> => {
  const base = await grafanaConfig(env);
  return {
    ...base,
    plugins: [...(base.plugins ?? []), new CopyWebpackPlugin({ patterns: [{ from: 'runbooks/*.md', to: '.' }] })],
  };
};

export default config;

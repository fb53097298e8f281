import { DataSourcePlugin } from '@grafana/data';

import { ConfigEditor } from './components/ConfigEditor';
import { QueryEditor } from './components/QueryEditor';
import { DataSource } from './datasource';
import { RedisJsonData, RedisQuery, RedisSecureJsonData } from './types';

export const plugin = new DataSourcePlugin<DataSource, RedisQuery, RedisJsonData, RedisSecureJsonData>(DataSource)
  .setConfigEditor(ConfigEditor)
  .setQueryEditor(QueryEditor);

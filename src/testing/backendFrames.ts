/**
 * The backend's golden frames (pkg/frames/testdata/<name>.jsonc, kept by `go test ./pkg/frames
 * -update`), so that frontend tests read what the backend really sends rather than a copy of it.
 */
import { DataFrameJSON } from '@grafana/data';
import { readFileSync } from 'fs';
import { join } from 'path';

/** The first frame of a golden response, as JSON. */
export function backendFrameJSON(name: string): DataFrameJSON {
  const text = readFileSync(join(__dirname, '../../pkg/frames/testdata', `${name}.jsonc`), 'utf8');
  const json = text
    .split('\n')
    .filter((line) => !line.startsWith('//'))
    .join('\n');
  return JSON.parse(json).frames[0];
}

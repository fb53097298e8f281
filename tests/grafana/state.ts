import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What the global setup started; read by the tests and the teardown. */
export interface E2EState {
  grafanaUrl: string;
  grafanaStateDir: string;
  pluginsDir: string;
  redisPassword: string;
  nodes: Record<string, { port: number; pid: number; dir: string }>;
}

export const repoRoot = join(__dirname, '..', '..');
export const stateDir = join(repoRoot, 'test-results', 'grafana-e2e');
export const stateFile = join(stateDir, 'state.json');

export function readState(): E2EState {
  return JSON.parse(readFileSync(stateFile, 'utf8'));
}

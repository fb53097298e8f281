import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScenarioNode } from '../scenarios/nodes';

/** What the global setup started; read by the test and the teardown. */
export interface RenderState {
  url: string;
  password: string;
  demoPid: number;
  workDir: string;
  nodes: ScenarioNode[];
  /** Every redis-server started, also those started before a failure. */
  started: Array<{ pid: number; dir: string }>;
}

export const repoRoot = join(__dirname, '..', '..');
export const stateFile = join(repoRoot, 'test-results', 'render-state.json');

export function readState(): RenderState {
  return JSON.parse(readFileSync(stateFile, 'utf8'));
}

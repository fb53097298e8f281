import { existsSync, rmSync } from 'node:fs';
import { stopScenario } from '../scenarios/nodes';
import { alive, sleep } from '../scenarios/redis';
import { readState, stateFile } from './state';

/** Stops cmd/demo (which stops its plugin process) and every redis-server the setup started. */
export default async function globalTeardown() {
  if (!existsSync(stateFile)) {
    return;
  }
  const state = readState();
  if (state.demoPid && alive(state.demoPid)) {
    process.kill(-state.demoPid, 'SIGTERM'); // cmd/demo stops its plugin process on the way out
    for (let i = 0; i < 50 && alive(state.demoPid); i++) {
      await sleep(100);
    }
  }
  await stopScenario(state.started);
  rmSync(state.workDir, { recursive: true, force: true });
}

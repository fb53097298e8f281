import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { alive, killGroup, sleep } from './redis';
import { readState, repoRoot, stateFile } from './state';

/** Stops Grafana (and its plugin process) and every redis-server the setup started. */
export default async function globalTeardown() {
  if (!existsSync(stateFile)) {
    return;
  }
  const state = readState();
  execFileSync('scripts/grafana-server.sh', ['stop', state.grafanaStateDir], { cwd: repoRoot, stdio: 'inherit' });
  for (const n of Object.values(state.nodes)) {
    killGroup(n.pid);
  }
  for (const n of Object.values(state.nodes)) {
    for (let i = 0; i < 50 && alive(n.pid); i++) {
      await sleep(100);
    }
    rmSync(n.dir, { recursive: true, force: true });
  }
  rmSync(state.pluginsDir, { recursive: true, force: true });
}

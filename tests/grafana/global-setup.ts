import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  client,
  failRewrite,
  fileSizeLimit,
  freePort,
  FSIZE_LIMIT_KIB,
  holdRewrite,
  infoField,
  killGroup,
  NodeProc,
  startRedis,
  waitField,
  writeErr,
} from './redis';
import { E2EState, repoRoot, stateDir, stateFile } from './state';

const run = (cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env) =>
  execFileSync(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'], env });

/**
 * Builds the plugin (backend for linux/amd64 + frontend), starts real redis-server nodes in the
 * states the card shows, then the real Grafana from scripts/grafana-server.sh with this repo's
 * provisioning/. Everything it starts is recorded in test-results/grafana-e2e/state.json.
 */
export default async function globalSetup() {
  rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(stateDir, { recursive: true });

  run('go', ['build', '-o', 'dist/gpx_redis_persistence_linux_amd64', './pkg'], {
    ...process.env,
    GOOS: 'linux',
    GOARCH: 'amd64',
    CGO_ENABLED: '0',
  });
  if (process.env.GRAFANA_E2E_SKIP_FRONTEND_BUILD !== '1') {
    run('npm', ['run', 'build']);
  }
  // Build (or find cached) Grafana before any node is put in its state: a held rewrite lasts
  // 100 s per key, and a first Grafana build takes minutes.
  run('bash', ['scripts/grafana-server.sh', 'build']);
  const pluginsDir = mkdtempSync(join(tmpdir(), 'persistwatch-e2e-plugins-'));
  cpSync(join(repoRoot, 'dist'), join(pluginsDir, 'persistwatch-redis-datasource'), { recursive: true });

  const state: E2EState = {
    grafanaUrl: '',
    grafanaStateDir: join(stateDir, 'grafana'),
    pluginsDir,
    redisPassword: 'e2e-secret-do-not-log-7f3a',
    nodes: {},
  };
  const save = () => writeFileSync(stateFile, JSON.stringify(state, null, 2));
  const started: NodeProc[] = [];
  const add = (n: NodeProc) => {
    started.push(n);
    state.nodes[n.name] = { port: n.port, pid: n.pid, dir: n.dir };
    save();
    return n;
  };
  try {
    const healthy = add(await startRedis('healthy'));
    // Both under a file-size limit from the start, so their AOF writes can be made to fail for
    // real: failing-rewrites later in alerts.spec.ts (AOF write failing), aof-off right here.
    const failing = add(await startRedis('failing-rewrites', fileSizeLimit(FSIZE_LIMIT_KIB)));
    const aofOff = add(await startRedis('aof-off', fileSizeLimit(FSIZE_LIMIT_KIB)));
    const rewriting = add(await startRedis('rewriting'));
    add(await startRedis('with-password', '', state.redisPassword));

    const c = client(healthy.port);
    await c.set('e2e:key', 'value');
    c.disconnect();
    for (const n of [failing, aofOff]) {
      const r = client(n.port);
      await failRewrite(r, n.pid);
      r.disconnect();
    }
    // The n/a node also had its AOF writes fail before AOF was turned off: INFO keeps both stale
    // errs next to aof_enabled:0, and no rule may fire on them.
    const off = client(aofOff.port);
    await writeErr(off);
    await off.config('SET', 'appendonly', 'no'); // also lifts the MISCONF refusal
    await waitField(off, 'aof_enabled', '0');
    const stale = await infoField(off, 'aof_last_write_status');
    if (stale !== 'err') {
      throw new Error(`aof-off: aof_last_write_status:${stale} after turning AOF off, want the stale err`);
    }
    off.disconnect();
    const rw = client(rewriting.port);
    await holdRewrite(rw, rewriting.pid);
    rw.disconnect();

    const port = await freePort();
    state.grafanaUrl = `http://127.0.0.1:${port}`;
    save();
    const env = {
      ...process.env,
      REDIS_HEALTHY_ADDR: `127.0.0.1:${healthy.port}`,
      REDIS_FAILING_REWRITES_ADDR: `127.0.0.1:${failing.port}`,
      REDIS_AOF_OFF_ADDR: `127.0.0.1:${aofOff.port}`,
      REDIS_PASSWORD: '',
    };
    const args = ['start', pluginsDir, join(repoRoot, 'provisioning'), String(port), state.grafanaStateDir];
    // This 10.0 snapshot sometimes dies at first start under load ("failed to create default
    // organization: UNIQUE constraint failed: org.id", a startup race): a fresh start fixes it.
    for (let attempt = 1; ; attempt++) {
      try {
        run('scripts/grafana-server.sh', args, env);
        break;
      } catch (e) {
        if (attempt >= 3) {
          throw e;
        }
        console.warn(`grafana start attempt ${attempt} failed; retrying`);
      }
    }
  } catch (e) {
    started.forEach((n) => {
      killGroup(n.pid);
      rmSync(n.dir, { recursive: true, force: true });
    });
    run('scripts/grafana-server.sh', ['stop', state.grafanaStateDir]);
    rmSync(pluginsDir, { recursive: true, force: true });
    throw e;
  }
}

import { rmSync } from 'node:fs';
import {
  alive,
  client,
  failRewrite,
  fileSizeLimit,
  freePort,
  FSIZE_LIMIT_KIB,
  holdLoading,
  holdRewrite,
  infoField,
  killGroup,
  NodeProc,
  sleep,
  startRedis,
  waitField,
  writeErr,
} from './redis';

/** One node of the scenario: the card status it must show, and what else its panels must say. */
export interface ScenarioNode {
  name: string;
  address: string;
  /** The card's status field (pkg/card), looked up in the expected-looks table. */
  status: string;
  /** Other stat values, by panel title and field display name, with the colour name they take. */
  also?: Array<{ panel: string; field: string; text: string; color: string }>;
  /** The provisioned environment variable that carries the address, if any. */
  env?: string;
  pid?: number;
  dir?: string;
}

/** A node that answers no requests: the free port nobody listens on. */
async function closedAddress(): Promise<string> {
  return `127.0.0.1:${await freePort()}`;
}

const address = (n: NodeProc) => `127.0.0.1:${n.port}`;
const running = (n: NodeProc) => ({ address: address(n), pid: n.pid, dir: n.dir });

/**
 * Starts real redis-server nodes in every state the card shows and returns them; `started` sees
 * each process as soon as it runs, so a caller can stop them all if a later one fails. Every node
 * requires `password` (the data source's), except wrong-password, which requires another one. The
 * three provisioned nodes (healthy, failing-rewrites, aof-off) come first, then the extra ones.
 * The rewrite is held last: rdb-key-save-delay holds it for 100 s.
 */
export async function startScenario(password: string, started: (n: NodeProc) => void): Promise<ScenarioNode[]> {
  const start = async (name: string, wrapper = '', requirepass = password, extraArgs = '') => {
    const n = await startRedis(name, wrapper, requirepass, extraArgs);
    started(n);
    return n;
  };
  const healthy = await start('healthy');
  const failing = await start('failing-rewrites');
  const aofOff = await start('aof-off');
  const writeFailing = await start('aof-write-failing', fileSizeLimit(FSIZE_LIMIT_KIB));
  const restricted = await start('restricted', '', password, '--rename-command INFO ""');
  const locked = await start('wrong-password', '', `not-${password}`);
  const rewriting = await start('rewriting');
  const restarting = await start('loading');

  const c = client(healthy.port, password);
  await c.set('scenario:key', 'value');
  c.disconnect();
  for (const n of [failing, aofOff]) {
    const r = client(n.port, password);
    await failRewrite(r, n.pid);
    r.disconnect();
  }
  // AOF off after a failed rewrite: INFO keeps the stale err next to aof_enabled:0.
  const off = client(aofOff.port, password);
  await off.config('SET', 'appendonly', 'no');
  await waitField(off, 'aof_enabled', '0');
  const stale = await infoField(off, 'aof_last_bgrewrite_status');
  if (stale !== 'err') {
    throw new Error(`aof-off: aof_last_bgrewrite_status:${stale} after turning AOF off, want the stale err`);
  }
  off.disconnect();
  const w = client(writeFailing.port, password);
  await writeErr(w);
  w.disconnect();
  // Restarted into a slowed AOF replay (loading:1); the scenario keeps the new process.
  const loading = await holdLoading(restarting, password);
  started(loading);
  const rw = client(rewriting.port, password);
  await holdRewrite(rw, rewriting.pid);
  rw.disconnect();

  return [
    { name: 'healthy', status: 'ok', env: 'REDIS_HEALTHY_ADDR', ...running(healthy) },
    { name: 'failing-rewrites', status: 'err', env: 'REDIS_FAILING_REWRITES_ADDR', ...running(failing) },
    { name: 'aof-off', status: 'n/a', env: 'REDIS_AOF_OFF_ADDR', ...running(aofOff) },
    {
      name: 'rewriting',
      status: 'ok',
      also: [
        {
          panel: 'Last AOF Rewrite Status',
          field: 'Rewrite now',
          text: 'REWRITE RUNNING – showing previous result',
          color: 'blue',
        },
      ],
      ...running(rewriting),
    },
    {
      name: 'aof-write-failing',
      status: 'ok',
      also: [{ panel: 'Last AOF write', field: 'Last AOF write', text: 'ERR – writes may be lost', color: 'dark-red' }],
      ...running(writeFailing),
    },
    { name: 'unreachable', status: 'unreachable', address: await closedAddress() },
    { name: 'wrong-password', status: 'unreachable', ...running(locked) },
    { name: 'restricted', status: 'restricted', ...running(restricted) },
    { name: 'loading', status: 'loading', ...running(loading) },
  ];
}

/** Stops the scenario's servers (and any rewrite child) and removes their directories. */
export async function stopScenario(nodes: Array<{ pid?: number; dir?: string }>) {
  for (const n of nodes) {
    if (n.pid) {
      killGroup(n.pid);
    }
  }
  for (const n of nodes) {
    for (let i = 0; n.pid && i < 50 && alive(n.pid); i++) {
      await sleep(100);
    }
    if (n.dir) {
      rmSync(n.dir, { recursive: true, force: true });
    }
  }
}

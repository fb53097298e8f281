import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';

/** A free TCP port on 127.0.0.1 (the kernel's pick; the caller checks it really got it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface NodeProc {
  name: string;
  port: number;
  pid: number;
  dir: string;
}

/**
 * Starts redis-server on a free port with AOF on, in its own temp dir. `wrapper` is a bash
 * prefix run before exec (e.g. a file-size limit); `extraArgs` go to redis-server as they are.
 * Retries with another port when the one picked was taken in between.
 */
export async function startRedis(name: string, wrapper = '', password?: string, extraArgs = ''): Promise<NodeProc> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), `persistwatch-scenario-${name}-`));
    const n = await launch({ name, port, pid: 0, dir }, wrapper, password, extraArgs, () =>
      pingOwn(port, dir, password)
    );
    if (n) {
      return n;
    }
    rmSync(dir, { recursive: true, force: true });
  }
  throw new Error(`redis-server for ${name} did not start`);
}

/** Runs redis-server on node's port and dir; the node when ready answers, undefined if it did not start. */
async function launch(
  node: NodeProc,
  wrapper: string,
  password: string | undefined,
  extraArgs: string,
  ready: () => Promise<boolean>
): Promise<NodeProc | undefined> {
  const args = [
    '--bind 127.0.0.1',
    `--port ${node.port}`,
    `--dir ${node.dir}`,
    '--appendonly yes',
    '--save ""',
    `--logfile ${join(node.dir, 'redis.log')}`,
    password ? `--requirepass ${password}` : '',
    extraArgs,
  ].join(' ');
  const child = spawn('bash', ['-c', `${wrapper} exec redis-server ${args}`], {
    stdio: 'ignore',
    detached: true, // own process group: teardown kills the server and any rewrite child
  });
  child.unref();
  const pid = child.pid!;
  for (let i = 0; i < 100; i++) {
    await sleep(100);
    if (!alive(pid)) {
      break;
    }
    if (await ready()) {
      return { ...node, pid };
    }
  }
  killGroup(pid);
  return undefined;
}

/**
 * Restarts node on its port and dir with its AOF load slowed per key (key-load-delay, a hidden
 * config), so it replays its AOF for minutes with loading:1; loading-process-events-interval-bytes
 * keeps it answering INFO between keys meanwhile. The node needs a dataset: 5,000 keys are written
 * and rewritten into the AOF's RDB base first. Redis prints aof_enabled:0 while it loads, though appendonly is yes.
 */
export async function holdLoading(node: NodeProc, password?: string): Promise<NodeProc> {
  const r = client(node.port, password);
  const pipe = r.pipeline();
  for (let i = 0; i < 5000; i++) {
    pipe.set(`scenario:load:${i}`, 'v'.repeat(256));
  }
  await pipe.exec();
  // Into the AOF's RDB base file: key-load-delay slows the RDB part of the load, not AOF commands.
  await r.bgrewriteaof();
  await waitField(r, 'aof_rewrite_in_progress', '0');
  await r.call('SHUTDOWN').catch(() => undefined); // the connection closes as the server exits
  r.disconnect();
  for (let i = 0; i < 100 && alive(node.pid); i++) {
    await sleep(100);
  }
  const loading = async () => {
    const l = client(node.port, password);
    try {
      return (await infoField(l, 'loading')) === '1';
    } catch {
      return false;
    } finally {
      l.disconnect();
    }
  };
  const again = await launch(
    node,
    '',
    password,
    '--key-load-delay 30000 --loading-process-events-interval-bytes 1024',
    loading
  );
  if (!again) {
    throw new Error(`${node.name}: redis-server did not restart into loading:1`);
  }
  return again;
}

/** True when the server on port answers and runs with our dir (not someone else's server). */
async function pingOwn(port: number, dir: string, password?: string): Promise<boolean> {
  const r = client(port, password);
  try {
    const [, got] = (await r.config('GET', 'dir')) as [string, string];
    return got === dir;
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

export function client(port: number, password?: string): Redis {
  // No ready check: it sends INFO, which a restricted node refuses.
  const r = new Redis({
    host: '127.0.0.1',
    port,
    password,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableReadyCheck: false,
  });
  r.on('error', () => {}); // errors surface on the commands themselves
  return r;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGKILL of the process group led by pid (the server and a rewrite child, if any). */
export function killGroup(pid: number) {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export async function infoField(r: Redis, field: string): Promise<string | undefined> {
  const text = await r.info('persistence');
  const line = text.split('\r\n').find((l) => l.startsWith(`${field}:`));
  return line?.slice(field.length + 1);
}

export async function waitField(r: Redis, field: string, want: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  let got: string | undefined;
  while (Date.now() < deadline) {
    got = await infoField(r, field);
    if (got === want) {
      return;
    }
    await sleep(100);
  }
  throw new Error(`${field} stayed ${got}, want ${want}`);
}

function children(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Holds a rewrite child with rdb-key-save-delay; returns the child's pid. */
export async function holdRewrite(r: Redis, pid: number): Promise<number> {
  await r.set('scenario:key', 'value');
  await r.config('SET', 'rdb-key-save-delay', '100000000');
  await r.bgrewriteaof();
  for (let i = 0; i < 100; i++) {
    const kids = children(pid);
    if (kids.length) {
      return kids[0];
    }
    await sleep(100);
  }
  throw new Error(`no rewrite child under pid ${pid}`);
}

/** A rewrite that fails for real: the child is SIGKILLed (what Redis's own tests do). */
export async function failRewrite(r: Redis, pid: number) {
  const child = await holdRewrite(r, pid);
  await r.config('SET', 'rdb-key-save-delay', '0');
  process.kill(child, 'SIGKILL');
  await waitField(r, 'aof_last_bgrewrite_status', 'err');
}

/**
 * The file-size limit (KiB) that the nodes driven into an AOF write error run under from start-up:
 * far above what the server writes before (empty base file, manifest, log, the one-key rewrite),
 * far below memory. writeErr fills up to it.
 */
export const FSIZE_LIMIT_KIB = 1024;

/**
 * A startRedis wrapper: RLIMIT_FSIZE of `kib` KiB with SIGXFSZ ignored (SIG_IGN and the limit
 * survive exec), so a write past the limit fails with EFBIG the way a full disk fails it, instead
 * of killing the server. Only the soft limit is set, so `prlimit` can lift it again without
 * privileges.
 */
export const fileSizeLimit = (kib: number) => `trap '' XFSZ; ulimit -S -f ${kib};`;

/**
 * Makes AOF appends fail for real on a node started under fileSizeLimit: appends values until the
 * AOF file reaches the limit and Redis refuses writes (and PING) with MISCONF, then waits for
 * aof_last_write_status:err (with appendfsync everysec the failing write may come a moment
 * later). INFO still answers. The state lasts: Redis retries the write every second and hits the
 * same limit. (internal/redistest WriteErr does the same.)
 */
export async function writeErr(r: Redis, limitKiB = FSIZE_LIMIT_KIB) {
  const chunk = 64 * 1024;
  const value = 'x'.repeat(chunk);
  const maxWrites = Math.ceil((limitKiB * 1024) / chunk) * 2 + 64;
  for (let i = 0; i < maxWrites; i++) {
    try {
      await r.set(`scenario:fill:${i}`, value);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('MISCONF')) {
        break;
      }
      throw e;
    }
  }
  await waitField(r, 'aof_last_write_status', 'err');
}

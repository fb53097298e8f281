import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startScenario, stopScenario } from '../scenarios/nodes';
import { RenderState, repoRoot, stateFile } from './state';

const run = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit'] });

/** Starts cmd/demo detached and resolves with the page's URL from its first lines of output. */
function startDemo(workDir: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ pid: number; url: string }> {
  const demo = spawn(join(workDir, 'demo'), args, {
    cwd: repoRoot,
    env,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const seen = (chunk: Buffer) => {
      output += chunk.toString();
      const url = output.match(/http:\/\/127\.0\.0\.1:\d+\//);
      if (url) {
        demo.stdout.removeAllListeners('data');
        demo.stdout.resume(); // keep draining its refreshes
        demo.unref();
        resolve({ pid: demo.pid!, url: url[0] });
      }
    };
    demo.stdout.on('data', seen);
    demo.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    demo.on('exit', (code) => reject(new Error(`cmd/demo exited with ${code} before serving:\n${output}`)));
  });
}

/**
 * Builds the plugin, cmd/demo and the page, starts real redis-server nodes in every state, then
 * cmd/demo with the provisioned data source (addresses and password from the environment, as
 * Grafana expands them) plus the extra nodes. Everything it starts is in test-results/render-state.json.
 */
export default async function globalSetup() {
  mkdirSync(dirname(stateFile), { recursive: true });
  const workDir = mkdtempSync(join(tmpdir(), 'persistwatch-render-'));
  const state: RenderState = {
    url: '',
    password: 'render-secret-do-not-show-4b1d',
    demoPid: 0,
    workDir,
    nodes: [],
    started: [],
  };
  const save = () => writeFileSync(stateFile, JSON.stringify(state, null, 2));
  save();
  run('go', ['build', '-o', join(workDir, 'gpx_redis_persistence'), './pkg']);
  run('go', ['build', '-o', join(workDir, 'demo'), './cmd/demo']);
  run('node', ['tests/render/build-page.mjs', join(workDir, 'page')]);

  try {
    state.nodes = await startScenario(state.password, (n) => {
      state.started.push({ pid: n.pid, dir: n.dir });
      save();
    });
    const env: NodeJS.ProcessEnv = { ...process.env, REDIS_PASSWORD: state.password };
    const args = [
      '-plugin',
      join(workDir, 'gpx_redis_persistence'),
      '-page',
      join(workDir, 'page'),
      '-plugin-log',
      join(workDir, 'plugin.log'),
      '-listen',
      '127.0.0.1:0',
      '-interval',
      '2s',
    ];
    for (const n of state.nodes) {
      if (n.env) {
        env[n.env] = n.address;
      } else {
        args.push('-node', `${n.name}=${n.address}`);
      }
    }
    const demo = await startDemo(workDir, args, env);
    state.demoPid = demo.pid;
    state.url = demo.url;
    save();
  } catch (e) {
    await stopScenario(state.started);
    rmSync(workDir, { recursive: true, force: true });
    throw e;
  }
}

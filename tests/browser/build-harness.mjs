// Bundles tests/browser/harness into test-results/harness/ (index.html + harness.js) with esbuild.
import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
// The CommonJS builds of Grafana's packages: their ES module builds re-export names esbuild
// cannot resolve (type-only and circular re-exports), which webpack never sees in the plugin
// build because Grafana provides these packages at runtime.
const grafanaCjs = Object.fromEntries(
  ['data', 'e2e-selectors', 'runtime', 'schema', 'ui'].map((name) => [
    `@grafana/${name}`,
    join(root, 'node_modules', '@grafana', name, 'dist', 'cjs', 'index.cjs'),
  ])
);
const outdir = join(root, 'test-results', 'harness');

await mkdir(outdir, { recursive: true });
await build({
  entryPoints: [join(here, 'harness', 'main.tsx')],
  outfile: join(outdir, 'harness.js'),
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  jsx: 'automatic',
  minify: false,
  sourcemap: false,
  logLevel: 'warning',
  alias: grafanaCjs,
  define: {
    'process.env.NODE_ENV': '"production"',
    global: 'window',
  },
  loader: {
    '.svg': 'dataurl',
    '.png': 'dataurl',
    '.woff': 'dataurl',
    '.woff2': 'dataurl',
    '.ttf': 'dataurl',
    '.eot': 'dataurl',
  },
});
await writeFile(
  join(outdir, 'index.html'),
  `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Redis Persistence editors</title>
    <link rel="stylesheet" href="harness.css" />
  </head>
  <body>
    <div id="root"></div>
    <script src="harness.js"></script>
  </body>
</html>
`
);
console.log(`harness built in ${outdir}`);

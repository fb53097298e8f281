// Bundles a React page that uses Grafana's packages into <outdir>/index.html + <name>.js (+ .css)
// with esbuild, for pages served outside Grafana (tests/browser's harness, tests/render's cards).
import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The CommonJS builds of Grafana's packages: their ES module builds re-export names esbuild
// cannot resolve (type-only and circular re-exports), which webpack never sees in the plugin
// build because Grafana provides these packages at runtime.
const grafanaCjs = Object.fromEntries(
  ['data', 'e2e-selectors', 'runtime', 'schema', 'ui'].map((name) => [
    `@grafana/${name}`,
    join(root, 'node_modules', '@grafana', name, 'dist', 'cjs', 'index.cjs'),
  ])
);

export async function bundlePage(entry, outdir, name, title) {
  await mkdir(outdir, { recursive: true });
  await build({
    entryPoints: [entry],
    outfile: join(outdir, `${name}.js`),
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
    <title>${title}</title>
    <link rel="stylesheet" href="${name}.css" />
  </head>
  <body>
    <div id="root"></div>
    <script src="${name}.js"></script>
  </body>
</html>
`
  );
  console.log(`${title} built in ${outdir}`);
}

// Bundles the cards page (tests/render/page) into the directory given as the first argument
// (default test-results/render-page), for cmd/demo to serve.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundlePage } from '../bundle-page.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = resolve(process.argv[2] ?? join(here, '..', '..', 'test-results', 'render-page'));
await bundlePage(join(here, 'page', 'main.tsx'), outdir, 'cards', 'Redis Persistence cards');

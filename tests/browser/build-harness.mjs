// Bundles tests/browser/harness into test-results/harness/ (index.html + harness.js) with esbuild.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundlePage } from '../bundle-page.mjs';

const here = dirname(fileURLToPath(import.meta.url));
await bundlePage(
  join(here, 'harness', 'main.tsx'),
  join(here, '..', '..', 'test-results', 'harness'),
  'harness',
  'Redis Persistence editors'
);

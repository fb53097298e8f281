// Serves the bundled harness on 127.0.0.1 for the browser test, with @grafana/ui's icons under
// public/ (Grafana's Icon component fetches them from there; fetch() does not work on file://).
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const port = Number(process.env.HARNESS_PORT ?? 3917);
const uiPublic = join(root, 'node_modules', '@grafana', 'ui', 'dist', 'public');
const mounts = [
  // @grafana/ui 12.0 fetches public/img/icons/..., later versions public/build/img/icons/...
  ['/public/build/', uiPublic],
  ['/public/', uiPublic],
  ['/', join(root, 'test-results', 'harness')],
];
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' };

createServer((request, response) => {
  const path = decodeURIComponent(new URL(request.url ?? '/', 'http://localhost').pathname);
  for (const [prefix, dir] of mounts) {
    if (!path.startsWith(prefix)) {
      continue;
    }
    const file = normalize(join(dir, path.slice(prefix.length) || 'index.html'));
    if (file.startsWith(dir + sep) && existsSync(file) && statSync(file).isFile()) {
      response.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
      createReadStream(file).pipe(response);
      return;
    }
  }
  response.writeHead(404).end('not found');
}).listen(port, '127.0.0.1', () => console.log(`harness on http://127.0.0.1:${port}/`));

// Serves the built lab (dist-web/, from `npm run build:web`) on http://127.0.0.1:<port>/ with the
// headers that make the page cross-origin isolated (COOP/COEP), so SharedArrayBuffer is available.
// Usage: npm run web   (builds first), or node scripts/serve-web.mjs [dir]; PORT=8080 by default.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.wasm': 'application/wasm', '.map': 'application/json', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.gz': 'application/octet-stream',
};
/** Cross-origin isolation: the page and its workers may share memory. */
export const ISOLATION = { 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp', 'cross-origin-resource-policy': 'same-origin' };

/** Serves `dir` read-only on 127.0.0.1:`port` (0: any free port); resolves with its URL and a close(). */
export async function serveDir(dir, port = 0) {
  const root = resolve(dir);
  const server = createServer(async (req, res) => {
    let path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path.endsWith('/')) path += 'index.html';
    const file = normalize(join(root, path));
    if (!file.startsWith(root)) return res.writeHead(403).end();
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', ...ISOLATION }).end(body);
    } catch {
      res.writeHead(404, ISOLATION).end('not found');
    }
  });
  await new Promise((done) => server.listen(port, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => new Promise((done) => server.close(done)) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2] ?? fileURLToPath(new URL('../dist-web', import.meta.url));
  const { url } = await serveDir(dir, Number(process.env.PORT ?? 8080));
  console.log(`modeconn lab: ${url}`);
}

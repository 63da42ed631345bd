// Serves the built page (dist/) on 127.0.0.1. `node serve.mjs [--port 8080] [--rpc ws://…]`:
// with --rpc, the page's address carries it, so the page talks to that node. Also imported by
// the browser test, which serves the page on a free port.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json' };

/** Starts the server on `port` (0: a free one); resolves to `{server, port}`. */
export function serve({ port = 8080, dir = join(here, 'dist') } = {}) {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^(\.\.[/\\])+/, '');
    const file = join(dir, path === '/' ? 'index.html' : path);
    try {
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-cache' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    }
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({ server, port: server.address().port }));
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const rpc = arg('--rpc', null);
  const { port } = await serve({ port: Number(arg('--port', 8080)) });
  console.log(`[web] the page: http://127.0.0.1:${port}/${rpc ? `?rpc=${encodeURIComponent(rpc)}` : ''}`);
}

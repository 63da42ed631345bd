// Builds the page into dist/: one JS bundle (esbuild, minified, with its source map), the
// stylesheet and index.html. Everything comes from node_modules: no CDN, no external font.
// `node build.mjs` prints the bundle's size.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { readFileSync } from 'node:fs';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'dist');
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [join(here, 'src/main.js')],
  bundle: true,
  minify: true,
  sourcemap: true,
  format: 'esm',
  target: 'es2022',
  outfile: join(out, 'app.js'),
  logLevel: 'warning',
  legalComments: 'none',
});
for (const file of ['index.html', 'app.css']) copyFileSync(join(here, 'src', file), join(out, file));
const js = join(out, 'app.js');
const kib = (n) => `${(n / 1024).toFixed(0)} KiB`;
console.log(`[web] built ${out}: app.js ${kib(statSync(js).size)} (${kib(gzipSync(readFileSync(js)).length)} gzipped)`);

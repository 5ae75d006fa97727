// After `vite build`: the gzip size of the JavaScript the first page (the
// Playground at /) loads — the entry chunk, its static imports and the
// Playground page's chunk with its imports — must stay within the budget
// (350 kB). Exits 1 when over; prints every file counted. Reads dist/ only.
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const BUDGET_BYTES = 350 * 1000;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const manifest = JSON.parse(readFileSync(path.join(dist, '.vite', 'manifest.json'), 'utf8'));

const entryKey = Object.keys(manifest).find((k) => manifest[k].isEntry);
const pageKey = Object.keys(manifest).find((k) => k.endsWith('src/pages/PlaygroundPage.tsx'));
if (!entryKey || !pageKey) {
  console.error('check-bundle-size: the manifest has no entry or no Playground page chunk');
  process.exit(1);
}

const files = new Set();
function collect(key) {
  const chunk = manifest[key];
  if (!chunk || files.has(chunk.file)) return;
  files.add(chunk.file);
  for (const imp of chunk.imports ?? []) collect(imp);
}
collect(entryKey);
collect(pageKey);

let total = 0;
for (const file of [...files].filter((f) => f.endsWith('.js'))) {
  const gz = gzipSync(readFileSync(path.join(dist, file)), { level: 9 }).length;
  total += gz;
  console.log(`  ${file}  ${(gz / 1000).toFixed(1)} kB gzip`);
}
console.log(`first page JavaScript: ${(total / 1000).toFixed(1)} kB gzip (budget ${BUDGET_BYTES / 1000} kB)`);
if (total > BUDGET_BYTES) {
  console.error('check-bundle-size: over budget; split more code out of the first page');
  process.exit(1);
}

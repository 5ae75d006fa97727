// Refreshes src/lib/openapi.json, the copy of the server's OpenAPI document the
// unit tests check the client's routes against: starts `playground serve` on a
// free loopback port with a temporary data dir (or reads PLAYGROUND_URL when
// given), fetches /openapi.json and writes its paths. Never contacts anything else.
//   node scripts/fetch-openapi.mjs [path/to/playground]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = path.resolve(process.argv[2] ?? path.join(webDir, '..', 'build', 'playground'));
const out = path.join(webDir, 'src', 'lib', 'openapi.json');

async function serverUrl() {
  if (process.env.PLAYGROUND_URL) return { url: process.env.PLAYGROUND_URL, stop: () => undefined };
  const data = mkdtempSync(path.join(tmpdir(), 'pg-openapi-'));
  const proc = spawn(bin, ['serve', '--host', '127.0.0.1', '--port', '0', '--data-dir', data, '--auth', 'off', '--threads', '1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = () => {
    proc.kill('SIGTERM');
    setTimeout(() => rmSync(data, { recursive: true, force: true }), 300);
  };
  let text = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not start:\n${text}`)), 30000);
    const onData = (c) => {
      text += c;
      const m = /listening on (http:\/\/[0-9.]+:\d+)/.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`the server exited with ${code}:\n${text}`)));
  });
  return { url, stop };
}

const { url, stop } = await serverUrl();
try {
  const doc = await (await fetch(`${url}/openapi.json`)).json();
  const paths = {};
  for (const [p, ops] of Object.entries(doc.paths ?? {})) paths[p] = Object.fromEntries(Object.keys(ops).map((m) => [m, {}]));
  writeFileSync(out, JSON.stringify({ info: doc.info, paths }, null, 1) + '\n');
  console.log(`wrote ${out}: ${Object.keys(paths).length} paths`);
} finally {
  stop();
}

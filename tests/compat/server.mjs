// Shared helpers of the compatibility tests: start `playground serve` (the
// binary in PLAYGROUND_BINARY, default ../../build/playground) on a free port
// in a fresh data directory, stop it with SIGTERM expecting exit code 0, and
// validate structured outputs against their JSON Schemas (ajv).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv from 'ajv';

const here = path.dirname(fileURLToPath(import.meta.url));
export const binary = process.env.PLAYGROUND_BINARY || path.join(here, '../../build/playground');
export const MODEL = 'stories260K';

// The environment of a server whose config and data live in `dir` (no PLAYGROUND_* settings leak in).
export function serverEnv(dir) {
  const env = { ...process.env, XDG_CONFIG_HOME: dir, XDG_DATA_HOME: dir };
  for (const key of Object.keys(env)) if (key.startsWith('PLAYGROUND_')) delete env[key];
  return env;
}

// Resolves with the URL the server prints once it listens.
export function waitForUrl(server) {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server printed no URL: ${out}`)), 15000);
    const earlyExit = (code) => reject(new Error(`server exited early with ${code}: ${out}`));
    server.once('exit', earlyExit);
    server.once('error', (err) => { clearTimeout(timer); reject(new Error(`cannot start ${binary}: ${err.message}`)); });
    server.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/\S+)\n/);
      if (m) {
        clearTimeout(timer);
        server.off('exit', earlyExit);
        resolve(m[1]);
      }
    });
  });
}

// Starts a server with `args` added to `serve`; resolves with {url, stop}, where
// stop() sends SIGTERM, asserts exit code 0 and removes the data directory.
export async function startServer(args = []) {
  const dir = mkdtempSync(path.join(tmpdir(), 'pg-compat-'));
  const server = spawn(binary, ['serve', '--port', '0', '--threads', '1', '--log-level', 'warn', ...args], {
    cwd: dir, env: serverEnv(dir), stdio: ['ignore', 'pipe', 'inherit'],
  });
  let url;
  try {
    url = await waitForUrl(server);
  } catch (err) {
    if (server.exitCode === null) server.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const stop = async () => {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', (code) => resolve(code)));
      server.kill('SIGTERM');
      assert.equal(await exited, 0, 'playground serve should exit 0 on SIGTERM');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, stop };
}

// One server for the test file: started before its tests, stopped after them.
// Returns a function giving its base URL. The demo model's own context (512
// tokens) leaves too little room once a tool list is rendered into the prompt,
// so these servers run with a 2048-token context (--ctx-size); the replies
// are still the demo model's.
export function useServer(args = ['--ctx-size', '2048']) {
  let running;
  before(async () => { running = await startServer(args); });
  after(async () => { if (running) await running.stop(); });
  return () => running.url;
}

const ajv = new Ajv({ allErrors: true, strict: true });

// Asserts that `value` is valid for the JSON Schema `schema`; `what` names it in the message.
export function assertValid(schema, value, what = 'value') {
  const validate = ajv.compile(schema);
  if (!validate(value)) {
    assert.fail(`${what} is not valid for its schema: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value)}`);
  }
}

// Parses `text` as JSON and asserts that it is valid for `schema`; returns the value.
export function parseValid(schema, text, what = 'reply') {
  let value;
  try {
    value = JSON.parse(text);
  } catch (err) {
    assert.fail(`${what} is not JSON (${err.message}): ${JSON.stringify(text)}`);
  }
  assertValid(schema, value, what);
  return value;
}

// 0, 1, ... n-1.
export const range = (n) => Array.from({ length: n }, (_, i) => i);

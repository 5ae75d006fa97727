// Compatibility of `playground serve` with the official npm clients `openai`
// and `ollama`, against the built-in demo model. Starts the server binary
// (PLAYGROUND_BINARY, default ../../build/playground) on a free port, runs the
// clients' chat, completion, streaming and model-list calls, then stops it
// with SIGTERM and expects exit code 0. Run with `node --test` in this folder.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { Ollama } from 'ollama';

const here = path.dirname(fileURLToPath(import.meta.url));
const binary = process.env.PLAYGROUND_BINARY || path.join(here, '../../build/playground');
const MODEL = 'stories260K';

let server;
let baseUrl;
let workDir;

function startServer() {
  workDir = mkdtempSync(path.join(tmpdir(), 'pg-compat-'));
  const env = { ...process.env, XDG_CONFIG_HOME: workDir, XDG_DATA_HOME: workDir };
  for (const key of Object.keys(env)) if (key.startsWith('PLAYGROUND_')) delete env[key];
  server = spawn(binary, ['serve', '--port', '0', '--threads', '1', '--log-level', 'warn'], {
    cwd: workDir, env, stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server printed no URL: ${out}`)), 15000);
    const earlyExit = (code) => reject(new Error(`server exited early with ${code}: ${out}`));
    server.once('exit', earlyExit);
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

before(async () => {
  baseUrl = await startServer();
});

after(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    assert.equal(await exited, 0, 'playground serve should exit 0 on SIGTERM');
  }
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const openai = () => new OpenAI({ baseURL: `${baseUrl}/v1`, apiKey: 'not-needed', maxRetries: 0 });
const ollama = () => new Ollama({ host: baseUrl });
const messages = [
  { role: 'system', content: 'You tell short stories.' },
  { role: 'user', content: 'Tell me about a cat.' },
];

test('openai: models.list', async () => {
  const ids = [];
  for await (const model of openai().models.list()) ids.push(model.id);
  assert.deepEqual(ids, [MODEL]);
});

test('openai: chat.completions, not streamed and streamed', async () => {
  const request = { model: MODEL, messages, max_tokens: 12, seed: 11, ignore_eos: true };
  const reply = await openai().chat.completions.create(request);
  assert.equal(reply.object, 'chat.completion');
  assert.equal(reply.choices.length, 1);
  assert.equal(reply.choices[0].message.role, 'assistant');
  assert.equal(reply.choices[0].finish_reason, 'length');
  assert.equal(reply.usage.completion_tokens, 12);
  assert.ok(reply.choices[0].message.content.length > 0);

  const stream = await openai().chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
  let text = '';
  let finish = null;
  let usage = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    const choice = chunk.choices[0];
    if (!choice) continue;
    text += choice.delta?.content ?? '';
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  assert.equal(text, reply.choices[0].message.content);
  assert.equal(finish, 'length');
  assert.equal(usage.completion_tokens, 12);
});

test('openai: completions, not streamed and streamed', async () => {
  const request = { model: MODEL, prompt: 'Once upon a time', max_tokens: 16, temperature: 0 };
  const reply = await openai().completions.create(request);
  assert.equal(reply.object, 'text_completion');
  const text = reply.choices[0].text;
  assert.ok(text.length > 0);
  assert.ok(reply.usage.prompt_tokens > 0);

  const stream = await openai().completions.create({ ...request, stream: true });
  let streamed = '';
  for await (const chunk of stream) streamed += chunk.choices[0]?.text ?? '';
  assert.equal(streamed, text);
});

test('openai: errors surface with their HTTP status', async () => {
  await assert.rejects(
    openai().chat.completions.create({ model: 'no-such-model', messages }),
    (err) => err.status === 404 && /no-such-model/.test(err.message),
  );
  await assert.rejects(
    openai().chat.completions.create({ model: MODEL, messages, temperature: 9 }),
    (err) => err.status === 400 && /temperature/.test(err.message),
  );
});

test('ollama: generate, not streamed and streamed', async () => {
  const request = { model: MODEL, prompt: 'Once upon a time', options: { num_predict: 12, temperature: 0 } };
  const reply = await ollama().generate({ ...request, stream: false });
  assert.equal(reply.done, true);
  assert.equal(reply.eval_count, 12);
  assert.ok(reply.response.length > 0);
  assert.ok(reply.total_duration > 0);

  let text = '';
  let last = null;
  for await (const part of await ollama().generate({ ...request, stream: true })) {
    text += part.response;
    last = part;
  }
  assert.equal(text, reply.response);
  assert.equal(last.done, true);
  assert.equal(last.done_reason, 'length');
});

test('ollama: chat, not streamed and streamed', async () => {
  const request = { model: `${MODEL}:latest`, messages, options: { num_predict: 10, seed: 5 } };
  const reply = await ollama().chat({ ...request, stream: false });
  assert.equal(reply.message.role, 'assistant');
  assert.equal(reply.done, true);

  let text = '';
  for await (const part of await ollama().chat({ ...request, stream: true })) text += part.message.content;
  assert.equal(text, reply.message.content);
});

test('ollama: list (tags), show, ps, version', async () => {
  const client = ollama();
  const tags = await client.list();
  assert.equal(tags.models.length, 1);
  assert.equal(tags.models[0].name, `${MODEL}:latest`);
  assert.equal(tags.models[0].details.format, 'gguf');

  const shown = await client.show({ model: MODEL });
  assert.equal(shown.model_info['general.architecture'], 'llama');
  assert.equal(shown.details.family, 'llama');

  const ps = await client.ps();
  assert.equal(ps.models[0].name, `${MODEL}:latest`);

  const version = await client.version();
  assert.match(version.version, /^\d+\.\d+\.\d+/);
});

test('ollama: unknown model is an error with status 404', async () => {
  await assert.rejects(
    ollama().generate({ model: 'no-such-model', prompt: 'x', stream: false }),
    (err) => err.status_code === 404,
  );
});

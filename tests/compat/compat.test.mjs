// Compatibility of `playground serve` with the official npm clients `openai`
// and `ollama`, against the built-in demo model. Starts the server binary
// (PLAYGROUND_BINARY, default ../../build/playground; see server.mjs) on a
// free port, runs the clients' chat, completion, streaming, embeddings and
// model-list calls, then
// stops it with SIGTERM and expects exit code 0. A second server runs with
// auth on (an admin made with `playground user add`), where the OpenAI
// client authenticates with an API key. Run with `node --test` in this folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { Ollama } from 'ollama';
import { MODEL, binary, serverEnv, useServer, waitForUrl } from './server.mjs';

// The demo model with its own context size (512).
const server = useServer([]);

const openai = () => new OpenAI({ baseURL: `${server()}/v1`, apiKey: 'not-needed', maxRetries: 0 });
const ollama = () => new Ollama({ host: server() });
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

test('openai: embeddings, float and base64', async () => {
  const reply = await openai().embeddings.create({ model: MODEL, input: ['Once upon a time', 'Lily'] });
  assert.equal(reply.data.length, 2);
  assert.equal(reply.data[0].embedding.length, 64);
  const norm = Math.hypot(...reply.data[0].embedding);
  assert.ok(Math.abs(norm - 1) < 1e-5);
  assert.notDeepEqual(reply.data[0].embedding, reply.data[1].embedding);
  assert.ok(reply.usage.prompt_tokens > 0);
  // The client asks for base64 by default when no encoding_format is given and decodes it.
  const again = await openai().embeddings.create({ model: MODEL, input: 'Once upon a time' });
  assert.deepEqual(again.data[0].embedding, reply.data[0].embedding);
});

test('ollama: embed and embeddings', async () => {
  const embed = await ollama().embed({ model: MODEL, input: ['Once upon a time', 'Lily'] });
  assert.equal(embed.embeddings.length, 2);
  assert.equal(embed.embeddings[0].length, 64);
  const single = await ollama().embeddings({ model: MODEL, prompt: 'Once upon a time' });
  assert.deepEqual(single.embedding, embed.embeddings[0]);
});

test('auth on: the openai client works with an API key and fails without one', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'pg-compat-auth-'));
  const env = serverEnv(dir);
  execFileSync(binary, ['user', 'add', 'admin', '--role', 'admin', '--password-stdin', '--password-cost', 'min'], {
    cwd: dir, env, input: 'compat-granite-ferry-42\n',
  });
  const authServer = spawn(binary, ['serve', '--port', '0', '--threads', '1', '--log-level', 'warn', '--auth', 'on'], {
    cwd: dir, env, stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = await waitForUrl(authServer);
    const login = await fetch(`${url}/api/v1/auth/login`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: 'compat-granite-ferry-42' }),
    });
    assert.equal(login.status, 200);
    const { access_token: token } = await login.json();
    const created = await fetch(`${url}/api/v1/auth/keys`, {
      method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'compat' }),
    });
    assert.equal(created.status, 201);
    const { key } = await created.json();

    const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });
    const reply = await client.chat.completions.create({ model: MODEL, messages, max_tokens: 5 });
    assert.equal(reply.usage.completion_tokens, 5);
    const emb = await client.embeddings.create({ model: MODEL, input: 'Lily' });
    assert.equal(emb.data[0].embedding.length, 64);

    const anonymous = new OpenAI({ baseURL: `${url}/v1`, apiKey: 'not-a-key', maxRetries: 0 });
    await assert.rejects(anonymous.models.list(), (err) => err.status === 401);
    const ollamaClient = new Ollama({ host: url, headers: { Authorization: `Bearer ${key}` } });
    assert.equal((await ollamaClient.list()).models.length, 1);
    await assert.rejects(new Ollama({ host: url }).list(), (err) => err.status_code === 401);
  } finally {
    const exited = new Promise((resolve) => authServer.once('exit', (code) => resolve(code)));
    authServer.kill('SIGTERM');
    assert.equal(await exited, 0);
    rmSync(dir, { recursive: true, force: true });
  }
});

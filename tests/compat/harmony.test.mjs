// gpt-oss's harmony format end to end through the official `openai` npm
// client: `playground synth --shape moe-test` writes a tiny random-weight
// model of architecture gpt-oss (its vocabulary has harmony's special tokens,
// its chat template is our harmony template) and a real server on loopback
// answers /v1/chat/completions. A forced tool call (tool_choice "required" or
// a named function) comes back as tool_calls with the function's name and
// JSON arguments valid for its schema, whole and streamed; a reply held to a
// harmony text by a `grammar` (the random weights would otherwise write
// anything) comes back split: the analysis message in reasoning_content, the
// final message in content, with no framing tokens in either.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { binary, startServer, parseValid } from './server.mjs';

const MODEL = 'moe-test';
let dir;
let running;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'pg-harmony-'));
  const file = path.join(dir, `${MODEL}.gguf`);
  execFileSync(binary, ['synth', '--shape', MODEL, file], { stdio: ['ignore', 'ignore', 'pipe'] });  // stderr in the error
  running = await startServer(['--model', file, '--ctx-size', '2048']);
});
after(async () => {
  if (running) await running.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const openai = () => new OpenAI({ baseURL: `${running.url}/v1`, apiKey: 'not-needed', maxRetries: 0 });
const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];
const weatherParams = {
  type: 'object',
  properties: { city: { type: 'string', maxLength: 12 }, unit: { type: 'string', enum: ['C', 'F'] } },
  required: ['city', 'unit'],
  additionalProperties: false,
};
const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather now', parameters: weatherParams } }];
const noMarkers = (text, what) => assert.ok(!(text ?? '').includes('<|'), `${what} leaks a harmony token: ${text}`);

test('harmony: tool_choice "required" and a named function give tool_calls (whole and streamed)', async () => {
  const choices = ['required', { type: 'function', function: { name: 'get_weather' } }];
  for (const [i, toolChoice] of choices.entries()) {
    const request = { model: MODEL, messages, tools, tool_choice: toolChoice, max_tokens: 120, seed: 7 + i, temperature: 0.8 };
    const reply = await openai().chat.completions.create(request);
    const { message, finish_reason: finish } = reply.choices[0];
    assert.equal(finish, 'tool_calls', JSON.stringify(reply));
    assert.equal(message.tool_calls.length, 1);
    const [call] = message.tool_calls;
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.match(call.id, /^call_[A-Za-z0-9]{24}$/);
    const args = parseValid(weatherParams, call.function.arguments, 'arguments');
    noMarkers(message.content, 'content');
    noMarkers(message.reasoning_content, 'reasoning_content');

    // Streamed: the same call (same seed), its arguments in pieces.
    const stream = await openai().chat.completions.create({ ...request, stream: true });
    let name = '';
    let streamedArgs = '';
    let streamedFinish = null;
    let content = '';
    for await (const chunk of stream) {
      const c = chunk.choices[0];
      if (!c) continue;
      if (c.finish_reason) streamedFinish = c.finish_reason;
      content += c.delta?.content ?? '';
      for (const d of c.delta?.tool_calls ?? []) {
        assert.equal(d.index, 0);
        name += d.function?.name ?? '';
        streamedArgs += d.function?.arguments ?? '';
      }
    }
    assert.equal(streamedFinish, 'tool_calls');
    assert.equal(name, 'get_weather');
    assert.deepEqual(JSON.parse(streamedArgs), args);
    noMarkers(content, 'streamed content');
  }
});

test('harmony: the analysis comes back as reasoning_content and the final message as content', async () => {
  const grammar = 'root ::= "<|channel|>analysis<|message|>The user asks about weather.<|end|>' +
    '<|start|>assistant<|channel|>final<|message|>Sunny and 21 C."';
  const request = { model: MODEL, messages, max_tokens: 200, grammar };
  const reply = await openai().chat.completions.create(request);
  const { message, finish_reason: finish } = reply.choices[0];
  assert.equal(finish, 'stop');
  assert.equal(message.reasoning_content, 'The user asks about weather.');
  assert.equal(message.content, 'Sunny and 21 C.');

  const stream = await openai().chat.completions.create({ ...request, stream: true });
  let reasoning = '';
  let content = '';
  for await (const chunk of stream) {
    const d = chunk.choices[0]?.delta ?? {};
    noMarkers(d.reasoning_content, 'a reasoning delta');
    noMarkers(d.content, 'a content delta');
    reasoning += d.reasoning_content ?? '';
    content += d.content ?? '';
  }
  assert.equal(reasoning, 'The user asks about weather.');
  assert.equal(content, 'Sunny and 21 C.');
});

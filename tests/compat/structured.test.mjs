// Structured output, logprobs, n and request errors through the official
// `openai` and `ollama` npm clients: every constrained reply must parse and be
// valid for its JSON Schema (checked with ajv), for many seeds at a high
// temperature, since the demo model (stories260K) left alone writes stories.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { LengthFinishReasonError } from 'openai/error';
import { Ollama } from 'ollama';
import { MODEL, useServer, parseValid, range } from './server.mjs';

const server = useServer();
const openai = () => new OpenAI({ baseURL: `${server()}/v1`, apiKey: 'not-needed', maxRetries: 0 });
const ollama = () => new Ollama({ host: server() });
const messages = [{ role: 'user', content: 'Describe a pet as JSON.' }];

// A strict OpenAI schema: enum, bounded integer, bounded string, nested
// object, array of objects with minItems/maxItems; every property required.
const petSchema = {
  type: 'object',
  properties: {
    kind: { type: 'string', enum: ['cat', 'dog', 'bird'] },
    age: { type: 'integer', minimum: 1, maximum: 20 },
    name: { type: 'string', maxLength: 12 },
    home: {
      type: 'object',
      properties: { town: { type: 'string', maxLength: 10 }, floor: { type: 'integer', minimum: 0, maximum: 9 } },
      required: ['town', 'floor'],
      additionalProperties: false,
    },
    toys: {
      type: 'array',
      minItems: 1,
      maxItems: 3,
      items: {
        type: 'object',
        properties: { toy: { type: 'string', maxLength: 8 }, loved: { type: 'boolean' } },
        required: ['toy', 'loved'],
        additionalProperties: false,
      },
    },
  },
  required: ['kind', 'age', 'name', 'home', 'toys'],
  additionalProperties: false,
};

// A constrained reply ends well-formed: by the grammar's end ("stop"), or,
// when the model would go on, closed by the token budget at max_tokens ("length").
function assertEnded(reply, maxTokens, what) {
  const { finish_reason: finish } = reply.choices[0];
  const used = reply.usage.completion_tokens;
  assert.ok(finish === 'stop' || (finish === 'length' && used === maxTokens), `${what}: ${finish} after ${used} tokens`);
  assert.ok(used <= maxTokens);
}

// Runs fn over items with at most `limit` at once (the server has 4 slots).
async function mapLimit(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i], i);
    }
  };
  await Promise.all(range(Math.min(limit, items.length)).map(worker));
  return results;
}

test('openai: response_format json_object gives a JSON object', async () => {
  for (const seed of [1, 2, 3]) {
    const reply = await openai().chat.completions.create({
      model: MODEL, messages, max_tokens: 120, seed, temperature: 1.2, response_format: { type: 'json_object' },
    });
    const choice = reply.choices[0];
    assertEnded(reply, 120, `seed ${seed}`);
    const value = JSON.parse(choice.message.content);
    assert.equal(typeof value, 'object');
    assert.ok(value !== null && !Array.isArray(value), `seed ${seed}: ${choice.message.content}`);
  }
});

test('openai: strict json_schema, 20 seeds at temperature 1.2, every reply valid', async () => {
  const replies = await mapLimit(range(20), 4, (i) => openai().chat.completions.create({
    model: MODEL, messages, max_tokens: 200, seed: 100 + i, temperature: 1.2,
    response_format: { type: 'json_schema', json_schema: { name: 'pet', strict: true, schema: petSchema } },
  }));
  const kinds = new Set();
  for (const [i, reply] of replies.entries()) {
    const choice = reply.choices[0];
    assertEnded(reply, 200, `seed ${100 + i}`);
    const pet = parseValid(petSchema, choice.message.content, `seed ${100 + i}`);
    kinds.add(pet.kind);
  }
  // Different seeds really sample: not every reply is the same.
  assert.ok(new Set(replies.map((r) => r.choices[0].message.content)).size > 10);
  assert.ok(kinds.size >= 2, `kinds seen: ${[...kinds]}`);
});

test('openai: json_schema streamed is the same reply as not streamed', async () => {
  const request = {
    model: MODEL, messages, max_tokens: 200, seed: 7, temperature: 1.2,
    response_format: { type: 'json_schema', json_schema: { name: 'pet', strict: true, schema: petSchema } },
  };
  const reply = await openai().chat.completions.create(request);
  let text = '';
  let finish = null;
  for await (const chunk of await openai().chat.completions.create({ ...request, stream: true })) {
    text += chunk.choices[0]?.delta?.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.equal(text, reply.choices[0].message.content);
  assert.equal(finish, reply.choices[0].finish_reason);
  parseValid(petSchema, text);
});

test('openai: max_tokens too small for the schema is cut short ("length"), and parse() says so', async () => {
  const request = {
    model: MODEL, messages, max_tokens: 3, seed: 1,
    response_format: { type: 'json_schema', json_schema: { name: 'pet', strict: true, schema: petSchema } },
  };
  const reply = await openai().chat.completions.create(request);
  assert.equal(reply.choices[0].finish_reason, 'length');
  assert.ok(reply.usage.completion_tokens <= 3);
  // The SDK's helper refuses a cut-short reply rather than parse it.
  await assert.rejects(openai().chat.completions.parse(request), LengthFinishReasonError);
  // A forced tool call that cannot fit: no call, and "length".
  const call = await openai().chat.completions.create({
    model: MODEL, messages, max_tokens: 5, seed: 1, tool_choice: 'required',
    tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { c: { type: 'string' } }, required: ['c'] } } }],
  });
  assert.equal(call.choices[0].finish_reason, 'length');
  assert.equal(call.choices[0].message.tool_calls, undefined);
});

test('openai: completions with response_format json_schema and with a GBNF grammar', async () => {
  const schema = { type: 'object', properties: { n: { type: 'integer', minimum: -5, maximum: 5 } }, required: ['n'], additionalProperties: false };
  for (const seed of [1, 2, 3, 4]) {
    const reply = await openai().completions.create({
      model: MODEL, prompt: 'Once upon a time', max_tokens: 60, seed, temperature: 1.2,
      response_format: { type: 'json_schema', json_schema: { name: 'n', schema } },
    });
    parseValid(schema, reply.choices[0].text, `seed ${seed}`);
  }
  const reply = await openai().completions.create({
    model: MODEL, prompt: 'Once upon a time', max_tokens: 20, seed: 5, temperature: 1.2,
    grammar: 'root ::= ("yes" | "no") "!"',
  });
  assert.match(reply.choices[0].text, /^(yes|no)!$/);
  const chat = await openai().chat.completions.create({
    model: MODEL, messages, max_tokens: 20, seed: 5, temperature: 1.2, grammar: 'root ::= [0-9]{3}',
  });
  assert.match(chat.choices[0].message.content, /^[0-9]{3}$/);
});

test('openai: chat logprobs with top_logprobs', async () => {
  const reply = await openai().chat.completions.create({
    model: MODEL, messages, max_tokens: 8, seed: 3, logprobs: true, top_logprobs: 3,
  });
  const { content } = reply.choices[0].logprobs;
  assert.equal(content.length, reply.usage.completion_tokens);
  for (const item of content) {
    assert.equal(typeof item.token, 'string');
    assert.ok(item.logprob <= 0, `logprob ${item.logprob}`);
    assert.deepEqual(item.bytes, [...Buffer.from(item.token, 'utf8')]);
    assert.equal(item.top_logprobs.length, 3);
    for (const alt of item.top_logprobs) {
      assert.equal(typeof alt.token, 'string');
      assert.ok(alt.logprob <= 0);
      assert.ok(Array.isArray(alt.bytes));
    }
    // Alternatives come most likely first.
    const lps = item.top_logprobs.map((a) => a.logprob);
    assert.deepEqual(lps, [...lps].sort((a, b) => b - a));
  }
  // The tokens are the reply.
  const bytes = Buffer.from(content.flatMap((item) => item.bytes));
  assert.equal(bytes.toString('utf8'), reply.choices[0].message.content);

  // Completions: logprobs is the number of alternatives.
  const completion = await openai().completions.create({ model: MODEL, prompt: 'Once upon a time', max_tokens: 5, seed: 3, logprobs: 2 });
  const lp = completion.choices[0].logprobs;
  assert.equal(lp.tokens.length, 5);
  assert.equal(lp.tokens.join(''), completion.choices[0].text);
  assert.equal(lp.token_logprobs.length, 5);
  assert.ok(lp.token_logprobs.every((x) => x <= 0));
  assert.ok(lp.top_logprobs.every((alts) => Object.keys(alts).length >= 1 && Object.keys(alts).length <= 2));
  assert.equal(lp.text_offset[0], 0);
});

test('openai: n = 2 gives two choices, the second seeded seed + 1', async () => {
  const request = { model: MODEL, messages, max_tokens: 10, seed: 41, temperature: 1.0 };
  const reply = await openai().chat.completions.create({ ...request, n: 2 });
  assert.equal(reply.choices.length, 2);
  assert.deepEqual(reply.choices.map((c) => c.index), [0, 1]);
  const first = await openai().chat.completions.create(request);
  const second = await openai().chat.completions.create({ ...request, seed: 42 });
  assert.equal(reply.choices[0].message.content, first.choices[0].message.content);
  assert.equal(reply.choices[1].message.content, second.choices[0].message.content);
  assert.equal(reply.usage.completion_tokens, 20);

  // Streamed: chunks of both choices, each choice's text the same as not streamed.
  const texts = ['', ''];
  const finishes = [null, null];
  for await (const chunk of await openai().chat.completions.create({ ...request, n: 2, stream: true })) {
    for (const c of chunk.choices) {
      texts[c.index] += c.delta?.content ?? '';
      if (c.finish_reason) finishes[c.index] = c.finish_reason;
    }
  }
  assert.deepEqual(texts, reply.choices.map((c) => c.message.content));
  assert.deepEqual(finishes, ['length', 'length']);
});

test('openai: refused requests are 400 naming the problem', async () => {
  const client = openai();
  const tool = { type: 'function', function: { name: 'get_time', parameters: { type: 'object', properties: { zone: { type: 'string' } } } } };
  const refused = async (body, pattern) => {
    await assert.rejects(
      client.chat.completions.create({ model: MODEL, messages, max_tokens: 5, ...body }),
      (err) => {
        assert.equal(err.status, 400, `${JSON.stringify(body)}: ${err.message}`);
        assert.match(err.message, pattern);
        return true;
      },
    );
  };
  await refused({ top_logprobs: 2 }, /top_logprobs/);
  await refused({ logprobs: true, top_logprobs: 21 }, /top_logprobs/);
  await refused({ tools: [tool], tool_choice: { type: 'function', function: { name: 'nope' } } }, /nope/);
  await refused({ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'string' } } }] }, /parameters/);
  await refused({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'string', not: {} } } } }, /'not'/);
  await refused({ response_format: { type: 'json_schema', json_schema: { name: 'x' } } }, /schema/);
  await refused({ response_format: { type: 'xml' } }, /response_format/);
  await refused({ grammar: 'root ::= undefined-rule' }, /grammar.*undefined-rule/);
  await refused({ grammar: 'root ::= "a" (' }, /grammar/);
  await refused({ n: 9 }, /'n'/);
  await assert.rejects(
    client.completions.create({ model: MODEL, prompt: 'x', max_tokens: 5, grammar: 'root ::= [a-' }),
    (err) => err.status === 400 && /grammar/.test(err.message),
  );
});

test('ollama: format "json" gives a JSON object', async () => {
  for (const seed of [1, 2, 3]) {
    const chat = await ollama().chat({
      model: MODEL, messages, format: 'json', stream: false, options: { num_predict: 120, seed, temperature: 1.2 },
    });
    assert.ok(chat.done_reason === 'stop' || (chat.done_reason === 'length' && chat.eval_count === 120), chat.done_reason);
    const value = JSON.parse(chat.message.content);
    assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value));
  }
  const gen = await ollama().generate({
    model: MODEL, prompt: 'Once upon a time', format: 'json', stream: false, options: { num_predict: 120, seed: 4, temperature: 1.2 },
  });
  const value = JSON.parse(gen.response);
  assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value));
});

test('ollama: format with a JSON Schema, 8 seeds on chat and generate, streamed too', async () => {
  const results = await mapLimit(range(8), 4, async (i) => {
    const options = { num_predict: 200, seed: 200 + i, temperature: 1.2 };
    const chat = await ollama().chat({ model: MODEL, messages, format: petSchema, stream: false, options });
    const gen = await ollama().generate({ model: MODEL, prompt: 'My pet', format: petSchema, stream: false, options });
    return { chat: chat.message.content, gen: gen.response };
  });
  for (const [i, r] of results.entries()) {
    parseValid(petSchema, r.chat, `chat seed ${200 + i}`);
    parseValid(petSchema, r.gen, `generate seed ${200 + i}`);
  }
  let text = '';
  for await (const part of await ollama().chat({
    model: MODEL, messages, format: petSchema, stream: true, options: { num_predict: 200, seed: 200, temperature: 1.2 },
  })) text += part.message.content;
  assert.equal(text, results[0].chat);
});

test('ollama: logprobs and top_logprobs on chat and generate', async () => {
  const chat = await ollama().chat({
    model: MODEL, messages, stream: false, logprobs: true, top_logprobs: 2, options: { num_predict: 6, seed: 3 },
  });
  assert.equal(chat.logprobs.length, chat.eval_count);
  for (const item of chat.logprobs) {
    assert.equal(typeof item.token, 'string');
    assert.ok(item.logprob <= 0);
    assert.equal(item.top_logprobs.length, 2);
  }
  assert.equal(chat.logprobs.map((l) => l.token).join(''), chat.message.content);

  const gen = await ollama().generate({
    model: MODEL, prompt: 'Once upon a time', stream: false, logprobs: true, options: { num_predict: 6, seed: 3 },
  });
  assert.equal(gen.logprobs.length, 6);
  assert.equal(gen.logprobs.map((l) => l.token).join(''), gen.response);
  // Streamed: each part carries the logprobs of its own tokens.
  const streamed = [];
  for await (const part of await ollama().generate({
    model: MODEL, prompt: 'Once upon a time', stream: true, logprobs: true, options: { num_predict: 6, seed: 3 },
  })) streamed.push(...(part.logprobs ?? []));
  assert.deepEqual(streamed.map((l) => l.token), gen.logprobs.map((l) => l.token));
  await assert.rejects(
    ollama().generate({ model: MODEL, prompt: 'x', stream: false, top_logprobs: 2 }),
    (err) => err.status_code === 400 && /top_logprobs/.test(err.message),
  );
  await assert.rejects(
    ollama().chat({ model: MODEL, messages, stream: false, format: 'yaml' }),
    (err) => err.status_code === 400 && /format/.test(err.message),
  );
});

// Tool calls through the official `openai` and `ollama` npm clients. With
// tool_choice "required" or a named function the call is forced and held to
// the tools' parameter schemas by a grammar, so even the demo model
// (stories260K) makes valid calls; with "auto" it usually writes text, and
// then only the reply's shape is checked. Arguments are validated with ajv.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { zodFunction } from 'openai/helpers/zod';
import { Ollama } from 'ollama';
import { z } from 'zod';
import { MODEL, useServer, assertValid, parseValid, range } from './server.mjs';

const server = useServer();
const openai = () => new OpenAI({ baseURL: `${server()}/v1`, apiKey: 'not-needed', maxRetries: 0 });
const ollama = () => new Ollama({ host: server() });
const messages = [{ role: 'user', content: 'What is the weather in Paris?' }];

const weatherParams = {
  type: 'object',
  properties: {
    city: { type: 'string', maxLength: 12 },
    days: { type: 'integer', minimum: 1, maximum: 7 },
    unit: { type: 'string', enum: ['C', 'F'] },
  },
  required: ['city', 'days', 'unit'],
  additionalProperties: false,
};
const timeParams = {
  type: 'object',
  properties: { zone: { type: 'string', maxLength: 10 } },
  required: ['zone'],
  additionalProperties: false,
};
const tools = [
  { type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: weatherParams } },
  { type: 'function', function: { name: 'get_time', description: 'Time', parameters: timeParams } },
];
const paramsOf = { get_weather: weatherParams, get_time: timeParams };

// Asserts an OpenAI tool call's shape, and that its arguments are valid for its tool; returns them.
function checkCall(call, what) {
  assert.equal(call.type, 'function', what);
  assert.match(call.id, /^\S+$/, what);
  assert.ok(call.function.name in paramsOf, `${what}: unknown tool ${call.function.name}`);
  assert.equal(typeof call.function.arguments, 'string', what);
  return parseValid(paramsOf[call.function.name], call.function.arguments, `${what}: ${call.function.name} arguments`);
}

test('openai: tool_choice naming a function forces a valid call to it (8 seeds)', async () => {
  for (const name of ['get_weather', 'get_time']) {
    const replies = await Promise.all(range(4).map((i) => openai().chat.completions.create({
      model: MODEL, messages, tools, max_tokens: 150, seed: 10 + i, temperature: 1.2,
      tool_choice: { type: 'function', function: { name } },
    })));
    for (const [i, reply] of replies.entries()) {
      const choice = reply.choices[0];
      assert.equal(choice.finish_reason, 'tool_calls', `seed ${10 + i}`);
      assert.equal(choice.message.role, 'assistant');
      assert.ok(choice.message.tool_calls.length >= 1);
      for (const call of choice.message.tool_calls) {
        assert.equal(call.function.name, name);
        checkCall(call, `${name} seed ${10 + i}`);
      }
      assert.equal(new Set(choice.message.tool_calls.map((c) => c.id)).size, choice.message.tool_calls.length, 'ids are unique');
    }
  }
});

test('openai: tool_choice "required" calls one of the tools; parallel_tool_calls false gives one call', async () => {
  for (const seed of [1, 2, 3, 4]) {
    const reply = await openai().chat.completions.create({
      model: MODEL, messages, tools, tool_choice: 'required', max_tokens: 150, seed, temperature: 1.2,
    });
    const { message, finish_reason: finish } = reply.choices[0];
    assert.equal(finish, 'tool_calls');
    assert.ok(message.tool_calls.length >= 1);
    message.tool_calls.forEach((call, i) => checkCall(call, `seed ${seed} call ${i}`));

    const single = await openai().chat.completions.create({
      model: MODEL, messages, tools, tool_choice: 'required', parallel_tool_calls: false, max_tokens: 150, seed, temperature: 1.2,
    });
    assert.equal(single.choices[0].message.tool_calls.length, 1, `seed ${seed}`);
    checkCall(single.choices[0].message.tool_calls[0], `seed ${seed} single`);
  }
});

test('openai: tool_choice "auto" gives either text or valid calls; "none" gives text', async () => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    const reply = await openai().chat.completions.create({
      model: MODEL, messages, tools, tool_choice: 'auto', max_tokens: 40, seed, temperature: 1.0,
    });
    const { message, finish_reason: finish } = reply.choices[0];
    assert.equal(message.role, 'assistant');
    if (message.tool_calls?.length) {
      assert.equal(finish, 'tool_calls');
      message.tool_calls.forEach((call, i) => checkCall(call, `seed ${seed} call ${i}`));
    } else {
      assert.ok(finish === 'stop' || finish === 'length', finish);
      assert.equal(typeof message.content, 'string');
      // A finished call is never left in the content (one cut short by max_tokens may be).
      if (finish === 'stop') assert.doesNotMatch(message.content, /<tool_call>/);
    }
  }
  const none = await openai().chat.completions.create({
    model: MODEL, messages, tools, tool_choice: 'none', max_tokens: 20, seed: 1,
  });
  assert.equal(none.choices[0].message.tool_calls, undefined);
  assert.equal(typeof none.choices[0].message.content, 'string');
});

test('openai: a streamed tool call, accumulated from its deltas, is the non-streamed call', async () => {
  for (const seed of [5, 6, 7]) {
    const request = {
      model: MODEL, messages, tools, max_tokens: 150, seed, temperature: 1.2,
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    };
    const reply = await openai().chat.completions.create(request);
    // Accumulated as the SDKs do: by index, id/type/name from the first delta, arguments appended.
    const calls = [];
    let finish = null;
    let role = null;
    for await (const chunk of await openai().chat.completions.create({ ...request, stream: true })) {
      const choice = chunk.choices[0];
      if (!choice) continue;
      role = choice.delta.role ?? role;
      for (const d of choice.delta.tool_calls ?? []) {
        if (!calls[d.index]) {
          assert.ok(d.id && d.function?.name, 'the first delta of a call has its id and name');
          calls[d.index] = { id: d.id, type: d.type, function: { name: d.function.name, arguments: '' } };
        }
        calls[d.index].function.arguments += d.function?.arguments ?? '';
      }
      finish = choice.finish_reason ?? finish;
    }
    assert.equal(role, 'assistant');
    assert.equal(finish, 'tool_calls');
    assert.ok(calls.length >= 1);
    calls.forEach((call, i) => checkCall(call, `streamed seed ${seed} call ${i}`));
    const strip = (cs) => cs.map((c) => ({ name: c.function.name, arguments: c.function.arguments }));
    assert.deepEqual(strip(calls), strip(reply.choices[0].message.tool_calls));
  }

  // The SDK's own stream helper assembles the same calls.
  const runner = openai().chat.completions.stream({
    model: MODEL, messages, tools, max_tokens: 150, seed: 5, temperature: 1.2,
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
  });
  const final = await runner.finalChatCompletion();
  assert.equal(final.choices[0].finish_reason, 'tool_calls');
  final.choices[0].message.tool_calls.forEach((call, i) => checkCall(call, `stream helper call ${i}`));
});

test('openai: a tool result round trip gets an answer', async () => {
  const first = await openai().chat.completions.create({
    model: MODEL, messages, tools, max_tokens: 150, seed: 3, temperature: 1.2,
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
  });
  const assistant = first.choices[0].message;
  const history = [
    ...messages,
    assistant,
    ...assistant.tool_calls.map((call) => ({ role: 'tool', tool_call_id: call.id, content: 'Sunny, 21 degrees.' })),
  ];
  for (const toolChoice of ['auto', 'none']) {
    const answer = await openai().chat.completions.create({
      model: MODEL, messages: history, tools, tool_choice: toolChoice, max_tokens: 30, seed: 4,
    });
    const choice = answer.choices[0];
    if (toolChoice === 'none' || !choice.message.tool_calls) {
      assert.ok(['stop', 'length'].includes(choice.finish_reason), choice.finish_reason);
      assert.equal(typeof choice.message.content, 'string');
      assert.equal(choice.message.tool_calls, undefined);
    } else {
      assert.equal(choice.finish_reason, 'tool_calls');
      choice.message.tool_calls.forEach((call, i) => checkCall(call, `after the result, call ${i}`));
    }
    // The history (call and result) is in the prompt.
    assert.ok(answer.usage.prompt_tokens > first.usage.prompt_tokens + 20);
  }
  // A history whose tool message answers no call is still read (no id: matched by position).
  const noId = await openai().chat.completions.create({
    model: MODEL, max_tokens: 10, seed: 4, tools,
    messages: [...messages, { ...assistant, tool_calls: assistant.tool_calls.map(({ id, ...rest }) => rest) },
      { role: 'tool', content: 'Sunny.' }],
  });
  assert.equal(noId.choices[0].message.role, 'assistant');
});

test('openai: zodFunction tools and chat.completions.parse (the SDK helpers)', async () => {
  const Weather = z.object({ city: z.string().max(12), days: z.number().int().min(1).max(7) });
  const reply = await openai().chat.completions.parse({
    model: MODEL, messages, max_tokens: 150, seed: 8, temperature: 1.2,
    tools: [zodFunction({ name: 'get_weather', parameters: Weather })],
    tool_choice: { type: 'function', function: { name: 'get_weather' } },
  });
  const call = reply.choices[0].message.tool_calls[0];
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(Weather.parse(call.function.parsed_arguments), call.function.parsed_arguments);
});

test('openai: refused tool requests', async () => {
  const refused = async (body, pattern) => {
    await assert.rejects(
      openai().chat.completions.create({ model: MODEL, messages, max_tokens: 5, ...body }),
      (err) => err.status === 400 && pattern.test(err.message),
    );
  };
  await refused({ tools, tool_choice: { type: 'function', function: { name: 'get_date' } } }, /get_date/);
  await refused({ tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'array' } } }], tool_choice: 'required' }, /parameters/);
  await refused({ tools: [{ type: 'function', function: { parameters: timeParams } }] }, /name/);
  await refused({ tools, tool_choice: 'always' }, /tool_choice/);
  await refused({ tool_choice: 'required' }, /tool_choice/);
  await refused({
    tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'string', not: {} } } } } }],
    tool_choice: 'required',
  }, /'not'/);
});

// Ollama's tool calls: [{id, function: {name, arguments: object}}].
function checkOllamaCall(call, what) {
  assert.ok(call.function.name in paramsOf, `${what}: unknown tool ${call.function.name}`);
  assert.equal(typeof call.function.arguments, 'object', what);
  assertValid(paramsOf[call.function.name], call.function.arguments, `${what}: arguments`);
}

test('ollama: chat with tools gives a well-formed reply; any calls name a tool with valid arguments', async () => {
  for (const seed of [1, 2, 3, 4]) {
    const reply = await ollama().chat({ model: MODEL, messages, tools, stream: false, options: { num_predict: 40, seed, temperature: 1.0 } });
    assert.equal(reply.done, true);
    assert.equal(reply.message.role, 'assistant');
    assert.equal(typeof reply.message.content, 'string');
    for (const [i, call] of (reply.message.tool_calls ?? []).entries()) checkOllamaCall(call, `seed ${seed} call ${i}`);
    assert.ok(['stop', 'length'].includes(reply.done_reason), reply.done_reason);
    if (reply.done_reason === 'stop') assert.doesNotMatch(reply.message.content, /<tool_call>/);
  }
});

test('ollama: a forced call (tool_choice, our extension) has Ollama\'s shape, streamed too', async () => {
  const request = {
    model: MODEL, messages, tools, tool_choice: { type: 'function', function: { name: 'get_time' } },
    options: { num_predict: 120, seed: 2, temperature: 1.2 },
  };
  const reply = await ollama().chat({ ...request, stream: false });
  assert.ok(reply.message.tool_calls.length >= 1);
  for (const call of reply.message.tool_calls) {
    assert.equal(call.function.name, 'get_time');
    checkOllamaCall(call, 'forced');
  }
  const streamedCalls = [];
  let last;
  for await (const part of await ollama().chat({ ...request, stream: true })) {
    streamedCalls.push(...(part.message.tool_calls ?? []));
    last = part;
  }
  assert.equal(last.done, true);
  assert.deepEqual(streamedCalls.map((c) => c.function), reply.message.tool_calls.map((c) => c.function));

  // Round trip in Ollama's shape: arguments as an object, the result named by tool_name.
  const answer = await ollama().chat({
    model: MODEL, tools, stream: false, options: { num_predict: 20, seed: 3 },
    messages: [...messages, { role: 'assistant', content: '', tool_calls: reply.message.tool_calls },
      { role: 'tool', tool_name: 'get_time', content: '10:00' }],
  });
  assert.equal(answer.done, true);
  assert.equal(typeof answer.message.content, 'string');
});

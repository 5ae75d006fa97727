// Higher-level SDKs against `playground serve`'s OpenAI-compatible API: the
// Vercel AI SDK (`ai` with `@ai-sdk/openai-compatible`) and LangChain
// (`@langchain/openai`). Each SDK builds its own requests (zod schemas turned
// into JSON Schema, tools, tool choice, streaming) and parses the replies its
// own way; every structured result is checked again with its zod schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateText, streamText, generateObject, Output, tool as aiTool } from 'ai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { ChatOpenAI } from '@langchain/openai';
import { tool as lcTool } from '@langchain/core/tools';
import { z } from 'zod';
import { MODEL, useServer } from './server.mjs';

const server = useServer();

const Pet = z.object({
  kind: z.enum(['cat', 'dog', 'bird']),
  age: z.number().int().min(1).max(20),
  name: z.string().max(12),
  toys: z.array(z.object({ toy: z.string().max(8) })).min(1).max(2),
});
const Weather = z.object({ city: z.string().max(12), days: z.number().int().min(1).max(7) });

// A fetch that keeps the JSON bodies the SDK sends, to check what it asked for.
function recordingFetch() {
  const bodies = [];
  const f = (url, init) => {
    if (typeof init?.body === 'string') bodies.push(JSON.parse(init.body));
    return fetch(url, init);
  };
  return { fetch: f, bodies };
}

// The AI SDK's OpenAI-compatible provider; supportsStructuredOutputs makes it send json_schema.
const aiModel = (fetch = undefined) => createOpenAICompatible({
  name: 'playground', baseURL: `${server()}/v1`, apiKey: 'not-needed', includeUsage: true, supportsStructuredOutputs: true, fetch,
}).chatModel(MODEL);

test('ai sdk: generateText and streamText', async () => {
  const settings = { model: aiModel(), prompt: 'Tell me a story.', maxOutputTokens: 16, seed: 3, temperature: 0, maxRetries: 0 };
  const result = await generateText(settings);
  assert.ok(result.text.length > 0);
  assert.equal(result.finishReason, 'length');
  assert.equal(result.usage.outputTokens, 16);
  assert.ok(result.usage.inputTokens > 0);

  const stream = streamText(settings);
  let text = '';
  for await (const piece of stream.textStream) text += piece;
  assert.equal(text, result.text);
  assert.equal(await stream.finishReason, 'length');
  assert.equal((await stream.usage).outputTokens, 16);
});

test('ai sdk: generateObject and Output.object with a zod schema, several seeds', async () => {
  const sent = recordingFetch();
  for (const seed of [1, 2, 3, 4, 5]) {
    const { object } = await generateObject({
      model: aiModel(sent.fetch), schema: Pet, schemaName: 'pet', prompt: 'Describe a pet.', maxOutputTokens: 200, seed, temperature: 1.2, maxRetries: 0,
    });
    assert.deepEqual(Pet.parse(object), object);
  }
  assert.equal(sent.bodies[0].response_format.type, 'json_schema');
  assert.equal(sent.bodies[0].response_format.json_schema.name, 'pet');
  const { output } = await generateText({
    model: aiModel(), output: Output.object({ schema: Pet }), prompt: 'Describe a pet.', maxOutputTokens: 200, seed: 6, temperature: 1.2, maxRetries: 0,
  });
  assert.deepEqual(Pet.parse(output), output);
});

test('ai sdk: a forced tool call, not streamed and streamed, and a round trip with the result', async () => {
  const tools = {
    get_weather: aiTool({ description: 'Weather', inputSchema: Weather }),
    get_time: aiTool({ description: 'Time', inputSchema: z.object({ zone: z.string().max(10) }) }),
  };
  const request = {
    model: aiModel(), tools, toolChoice: { type: 'tool', toolName: 'get_weather' },
    prompt: 'Weather in Paris?', maxOutputTokens: 150, seed: 4, temperature: 1.2, maxRetries: 0,
  };
  const result = await generateText(request);
  assert.equal(result.finishReason, 'tool-calls');
  assert.ok(result.toolCalls.length >= 1);
  for (const call of result.toolCalls) {
    assert.equal(call.toolName, 'get_weather');
    assert.deepEqual(Weather.parse(call.input), call.input);
  }

  const stream = streamText(request);
  const streamed = await stream.toolCalls;
  assert.deepEqual(streamed.map((c) => [c.toolName, c.input]), result.toolCalls.map((c) => [c.toolName, c.input]));
  assert.equal(await stream.finishReason, 'tool-calls');

  // Two steps: the call is executed, its result sent back (assistant tool_calls
  // + a tool message, as the SDK writes them), then a text answer.
  const executed = [];
  const sent = recordingFetch();
  const twoSteps = await generateText({
    ...request,
    model: aiModel(sent.fetch),
    tools: { get_weather: aiTool({ description: 'Weather', inputSchema: Weather, execute: async (input) => { executed.push(input); return 'Sunny.'; } }) },
    stopWhen: ({ steps }) => steps.length >= 2,
    prepareStep: ({ stepNumber }) => (stepNumber === 1 ? { toolChoice: 'none', maxOutputTokens: 20 } : undefined),
  });
  assert.equal(twoSteps.steps.length, 2);
  assert.ok(executed.length >= 1);
  assert.equal(twoSteps.steps[0].finishReason, 'tool-calls');
  assert.ok(['stop', 'length'].includes(twoSteps.finishReason), twoSteps.finishReason);
  assert.equal(typeof twoSteps.text, 'string');
  const history = sent.bodies[1].messages;
  assert.deepEqual(history.map((m) => m.role), ['user', 'assistant', ...executed.map(() => 'tool')]);
  assert.deepEqual(history.slice(2).map((m) => m.tool_call_id), history[1].tool_calls.map((c) => c.id));
  assert.equal(sent.bodies[1].tool_choice, 'none');
});

// LangChain's ChatOpenAI pointed at the server; `seed` goes into the request body (modelKwargs).
const chatModel = ({ seed, fetch, ...fields } = {}) => new ChatOpenAI({
  model: MODEL, apiKey: 'not-needed', configuration: { baseURL: `${server()}/v1`, fetch }, maxRetries: 0,
  maxTokens: 200, temperature: 1.2, modelKwargs: seed === undefined ? {} : { seed }, ...fields,
});

test('langchain: invoke and stream', async () => {
  const llm = chatModel({ maxTokens: 12, temperature: 0, seed: 1 });
  const message = await llm.invoke('Tell me a story.');
  assert.equal(typeof message.content, 'string');
  assert.ok(message.content.length > 0);
  assert.equal(message.response_metadata.finish_reason, 'length');
  let text = '';
  for await (const chunk of await llm.stream('Tell me a story.')) text += chunk.content;
  assert.equal(text, message.content);
});

test('langchain: withStructuredOutput (json_schema, function calling, json mode)', async () => {
  const sent = recordingFetch();
  for (const seed of [1, 2, 3]) {
    const pet = await chatModel({ seed, fetch: sent.fetch }).withStructuredOutput(Pet, { name: 'pet' }).invoke('Describe a pet.');
    assert.deepEqual(Pet.parse(pet), pet);
    const viaTool = await chatModel({ seed, fetch: sent.fetch })
      .withStructuredOutput(Pet, { name: 'pet', method: 'functionCalling' }).invoke('Describe a pet.');
    assert.deepEqual(Pet.parse(viaTool), viaTool);
  }
  assert.equal(sent.bodies[0].response_format.type, 'json_schema');
  assert.deepEqual(sent.bodies[1].tool_choice, { type: 'function', function: { name: 'pet' } });
  // json mode: any JSON object (the schema only goes to the prompt); includeRaw shows the request's reply.
  const { raw, parsed } = await chatModel({ seed: 4, maxTokens: 100 })
    .withStructuredOutput(z.object({}).passthrough(), { method: 'jsonMode', includeRaw: true })
    .invoke('Describe a pet as JSON.');
  assert.equal(typeof parsed, 'object');
  assert.deepEqual(parsed, JSON.parse(raw.content));
});

test('langchain: bindTools with a forced tool, invoked and streamed', async () => {
  const weather = lcTool(async () => 'Sunny.', { name: 'get_weather', description: 'Weather', schema: Weather });
  const time = lcTool(async () => '10:00', { name: 'get_time', description: 'Time', schema: z.object({ zone: z.string().max(10) }) });
  for (const seed of [1, 2]) {
    const bound = chatModel({ seed, maxTokens: 150 }).bindTools([weather, time], { tool_choice: 'get_weather' });
    const message = await bound.invoke('Weather in Paris?');
    assert.ok(message.tool_calls.length >= 1);
    for (const call of message.tool_calls) {
      assert.equal(call.name, 'get_weather');
      assert.deepEqual(Weather.parse(call.args), call.args);
      assert.ok(call.id);
    }
    assert.deepEqual(message.invalid_tool_calls ?? [], []);

    // Streamed: LangChain merges the tool-call chunks into the same calls.
    let merged;
    for await (const chunk of await bound.stream('Weather in Paris?')) merged = merged ? merged.concat(chunk) : chunk;
    assert.deepEqual(merged.tool_calls.map((c) => [c.name, c.args]), message.tool_calls.map((c) => [c.name, c.args]));

    // "required" (LangChain's "any"): one of the tools.
    const any = await chatModel({ seed, maxTokens: 150 }).bindTools([weather, time], { tool_choice: 'any' }).invoke('Weather in Paris?');
    assert.ok(any.tool_calls.length >= 1);
    for (const call of any.tool_calls) assert.ok(['get_weather', 'get_time'].includes(call.name));
  }

  // Round trip: the tool's ToolMessage goes back with the AIMessage that called it.
  const bound = chatModel({ seed: 5, maxTokens: 150 }).bindTools([weather], { tool_choice: 'get_weather' });
  const call = await bound.invoke('Weather in Paris?');
  const results = await Promise.all(call.tool_calls.map((c) => weather.invoke(c)));
  const answer = await chatModel({ seed: 5, maxTokens: 20 }).bindTools([weather], { tool_choice: 'none' })
    .invoke(['Weather in Paris?', call, ...results]);
  assert.equal(typeof answer.content, 'string');
  assert.ok(['stop', 'length'].includes(answer.response_metadata.finish_reason));
});

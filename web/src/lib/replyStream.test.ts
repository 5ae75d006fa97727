// Accumulating a streamed reply: text with its tokens' logprobs, reasoning,
// tool calls (OpenAI deltas merged by index; the native `done` list replaces
// them), OpenAI chunks, and a leading <think> block split off.
import { describe, expect, it } from 'vitest';
import { applyReplyEvent, emptyReply, mergeToolCallDeltas, normalizeToolCalls, splitThinking } from './replyStream';

const tok = (token: string, logprob: number) => ({ token, logprob, bytes: [...new TextEncoder().encode(token)], top_logprobs: [{ token, logprob }] });

describe('applyReplyEvent (native events)', () => {
  it('gathers text, tokens and reasoning as they stream', () => {
    const r = emptyReply();
    applyReplyEvent(r, 'reasoning', { text: 'Let me ' });
    applyReplyEvent(r, 'reasoning', { text: 'think.' });
    applyReplyEvent(r, 'text', { text: 'Once', logprobs: [tok('Once', -0.1)] });
    applyReplyEvent(r, 'text', { text: ' upon a', logprobs: [tok(' upon', -0.5), tok(' a', -2)] });
    expect(r.text).toBe('Once upon a');
    expect(r.reasoning).toBe('Let me think.');
    expect(r.tokens.map((t) => t.token)).toEqual(['Once', ' upon', ' a']);
    expect(r.pieces).toBe(2);
  });

  it("takes the tool calls from done and keeps the streamed tokens (done's list has the markup's too)", () => {
    const r = emptyReply();
    applyReplyEvent(r, 'text', { text: 'Sure.', logprobs: [tok('Sure.', -0.2)] });
    applyReplyEvent(r, 'done', {
      text: 'Sure.',
      finish_reason: 'tool_calls',
      logprobs: [tok('Sure.', -0.2), tok('<tool_call>', -0.01)],
      tool_calls: [{ id: 'call_x', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }],
    });
    expect(r.toolCalls).toEqual([{ id: 'call_x', type: 'function', function: { name: 'f', arguments: '{"a":1}' } }]);
    expect(r.tokens).toHaveLength(1);
  });

  it("uses done's logprobs when nothing streamed before it", () => {
    const r = emptyReply();
    applyReplyEvent(r, 'done', { text: 'ab', logprobs: [tok('a', -1), tok('b', -1)] });
    expect(r.tokens).toHaveLength(2);
  });

  it('ignores events it does not know', () => {
    const r = emptyReply();
    expect(applyReplyEvent(r, 'start', { id: 'gen-1' })).toBe(false);
    expect(r).toEqual(emptyReply());
  });
});

describe('tool-call deltas', () => {
  it('merges OpenAI deltas by index: id and name first, arguments in pieces, calls interleaved', () => {
    const calls = mergeToolCallDeltas([], [{ index: 0, id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '' } }]);
    mergeToolCallDeltas(calls, [{ index: 0, function: { arguments: '{"city":' } }]);
    mergeToolCallDeltas(calls, [{ index: 1, id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{}' } }]);
    mergeToolCallDeltas(calls, [{ index: 0, function: { arguments: '"Paris"}' } }]);
    expect(calls).toEqual([
      { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
      { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{}' } },
    ]);
  });

  it('reads a whole list, with object arguments as JSON text and missing ids filled in', () => {
    expect(normalizeToolCalls([{ function: { name: 'f', arguments: { a: 1 } } }, { id: 'c2', function: { name: 'g' } }])).toEqual([
      { id: 'call_0', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
      { id: 'c2', type: 'function', function: { name: 'g', arguments: '{}' } },
    ]);
    expect(normalizeToolCalls(null)).toEqual([]);
  });

  it('reads OpenAI chat chunks: content, reasoning_content, tool-call deltas and logprobs', () => {
    const r = emptyReply();
    const chunk = (delta: object, logprobs?: object) => ({ object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: logprobs ?? null }] });
    applyReplyEvent(r, 'message', chunk({ role: 'assistant', content: '' }));
    applyReplyEvent(r, 'message', chunk({ reasoning_content: 'Hmm.' }));
    applyReplyEvent(r, 'message', chunk({ content: 'Hi' }, { content: [tok('Hi', -0.3)] }));
    applyReplyEvent(r, 'message', chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'f', arguments: '' } }] }));
    applyReplyEvent(r, 'message', chunk({ tool_calls: [{ index: 0, function: { arguments: '{"x":2}' } }] }));
    expect(r).toMatchObject({ text: 'Hi', reasoning: 'Hmm.', pieces: 1 });
    expect(r.tokens.map((t) => t.token)).toEqual(['Hi']);
    expect(r.toolCalls).toEqual([{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{"x":2}' } }]);
  });
});

describe('splitThinking', () => {
  it('splits a leading think block from the answer', () => {
    expect(splitThinking('<think>\nA, then B.\n</think>\n\nThe answer.')).toEqual({ reasoning: 'A, then B.', answer: 'The answer.', thinking: false });
  });
  it('treats an unclosed block as reasoning still streaming', () => {
    expect(splitThinking('  <think>\nStill thinking')).toEqual({ reasoning: 'Still thinking', answer: '', thinking: true });
  });
  it('leaves text without a leading block alone', () => {
    expect(splitThinking('No <think> here')).toEqual({ reasoning: '', answer: 'No <think> here', thinking: false });
  });
});

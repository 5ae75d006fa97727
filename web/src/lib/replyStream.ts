// Accumulates a streamed reply: the answer's text, the reasoning, the tokens
// with their probabilities, and tool calls. Reads the native stream's events
// (`text` {text, logprobs?}, `reasoning` {text}, `done` {text, reasoning?,
// tool_calls?, logprobs?}) and OpenAI's chat chunks (`choices[0].delta` with
// `content`, `reasoning_content` and `tool_calls` deltas, `choices[0].logprobs.content`),
// so one reader serves both. Tool-call deltas are merged by `index` (OpenAI
// sends the id and name first, then the arguments in pieces); a whole list
// (the native `done`) replaces what was merged. Mutates `r` in place (called per
// token; the hook copies it once per frame).
import type { TokenLogprob, ToolCall } from './types';

export interface ReplyParts {
  text: string;
  reasoning: string;
  tokens: TokenLogprob[]; // of the answer's text
  toolCalls: ToolCall[];
  pieces: number; // text events (about one per token)
}

export function emptyReply(): ReplyParts {
  return { text: '', reasoning: '', tokens: [], toolCalls: [], pieces: 0 };
}

export interface ToolCallDelta {
  index?: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string | Record<string, unknown> };
}

function argumentsText(a: unknown): string {
  if (typeof a === 'string') return a;
  if (a === undefined || a === null) return '';
  return JSON.stringify(a); // Ollama-style arguments as an object
}

// Merges OpenAI streamed tool-call deltas into `calls` (in place; returns it).
export function mergeToolCallDeltas(calls: ToolCall[], deltas: ToolCallDelta[]): ToolCall[] {
  for (const [i, d] of deltas.entries()) {
    const index = typeof d.index === 'number' ? d.index : i;
    let call = calls[index];
    if (!call) {
      call = { id: '', type: 'function', function: { name: '', arguments: '' } };
      calls[index] = call;
    }
    if (d.id) call.id = d.id;
    if (d.function?.name) call.function.name += d.function.name;
    if (d.function?.arguments !== undefined) call.function.arguments += argumentsText(d.function.arguments);
  }
  return calls;
}

// A whole list of calls (native `done`, a non-streamed reply), with arguments as JSON text.
export function normalizeToolCalls(list: unknown): ToolCall[] {
  if (!Array.isArray(list)) return [];
  return list
    .filter((c): c is ToolCallDelta => Boolean(c) && typeof c === 'object')
    .map((c, i) => ({
      id: typeof c.id === 'string' && c.id ? c.id : `call_${i}`,
      type: 'function' as const,
      function: { name: String(c.function?.name ?? ''), arguments: argumentsText(c.function?.arguments) || '{}' },
    }));
}

function isTokenList(v: unknown): v is TokenLogprob[] {
  return Array.isArray(v) && v.every((t) => t && typeof t === 'object' && typeof (t as TokenLogprob).logprob === 'number');
}

// Applies one stream event to `r`; returns whether the answer's text, reasoning, tokens or calls changed.
export function applyReplyEvent(r: ReplyParts, event: string, data: unknown): boolean {
  const d = (data ?? {}) as Record<string, unknown>;
  if (Array.isArray(d.choices)) return applyChatChunk(r, d.choices[0] as Record<string, unknown> | undefined);
  if (event === 'text') {
    if (typeof d.text === 'string') {
      r.text += d.text;
      r.pieces++;
    }
    if (isTokenList(d.logprobs)) r.tokens.push(...d.logprobs);
    if (Array.isArray(d.tool_calls)) mergeToolCallDeltas(r.toolCalls, d.tool_calls as ToolCallDelta[]);
    return true;
  }
  if (event === 'reasoning') {
    if (typeof d.text === 'string') r.reasoning += d.text;
    return true;
  }
  if (event === 'done') {
    if (typeof d.reasoning === 'string' && d.reasoning) r.reasoning = d.reasoning;
    if (Array.isArray(d.tool_calls)) r.toolCalls = normalizeToolCalls(d.tool_calls);
    // The streamed tokens are those of the answer's text; `done` lists every token (reasoning
    // and call markup too), so it stands in only for a reply that streamed nothing but itself.
    if (r.pieces === 0 && r.tokens.length === 0 && isTokenList(d.logprobs) && !d.reasoning && !Array.isArray(d.tool_calls))
      r.tokens = [...d.logprobs];
    return true;
  }
  return false;
}

// One OpenAI chat chunk's first choice.
function applyChatChunk(r: ReplyParts, choice: Record<string, unknown> | undefined): boolean {
  if (!choice) return false;
  const delta = (choice.delta ?? choice.message ?? {}) as Record<string, unknown>;
  if (typeof delta.content === 'string' && delta.content) {
    r.text += delta.content;
    r.pieces++;
  }
  if (typeof delta.reasoning_content === 'string') r.reasoning += delta.reasoning_content;
  if (Array.isArray(delta.tool_calls)) mergeToolCallDeltas(r.toolCalls, delta.tool_calls as ToolCallDelta[]);
  const lp = (choice.logprobs as { content?: unknown } | null | undefined)?.content;
  if (isTokenList(lp)) r.tokens.push(...lp);
  return true;
}

// A reply whose reasoning is still inline (`<think>…</think>` first, as Qwen3 and
// DeepSeek-R1 write it) split into reasoning and answer; an unclosed block is all
// reasoning so far (it is still streaming). Text without such a block is all answer.
export function splitThinking(text: string): { reasoning: string; answer: string; thinking: boolean } {
  const m = /^\s*<think>/.exec(text);
  if (!m) return { reasoning: '', answer: text, thinking: false };
  const rest = text.slice(m[0].length);
  const end = rest.indexOf('</think>');
  if (end < 0) return { reasoning: rest.replace(/^\n+/, ''), answer: '', thinking: true };
  return { reasoning: rest.slice(0, end).trim(), answer: rest.slice(end + '</think>'.length).replace(/^\s+/, ''), thinking: false };
}

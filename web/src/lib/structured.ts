// Structured output and tools of a generation request, as the Playground's
// panels edit them: JSON Schema text checked as it is typed (where a parse
// error is, and whether it is an object schema), the request fields they
// become (`response_format`, `grammar`, `tools`, `tool_choice`), and the chat
// history of a tool round trip (the assistant's calls, then one `tool` message
// per call). Pure functions: the server checks everything again (a bad schema
// or grammar is a 400 `invalid_schema` / `invalid_grammar`).
import type { ChatMessage, ToolCall, ToolChoice, ToolDefinition } from './types';

export const JSON_SCHEMA_TYPES = ['object', 'array', 'string', 'number', 'integer', 'boolean', 'null'] as const;

export interface SchemaCheck {
  ok: boolean;
  schema?: Record<string, unknown>;
  error?: string; // blocks sending
  warning?: string; // shown, does not block
  line?: number; // of a parse error, 1-based
  column?: number;
}

// Line and column (1-based) of a character offset.
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split('\n');
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

// Where JSON.parse failed: engines say "at position N" (V8, also "(line L column C)") or "at line L column C" (Firefox).
function parseErrorPlace(message: string, text: string): { line?: number; column?: number } {
  const lc = /line (\d+) column (\d+)/.exec(message);
  if (lc) return { line: Number(lc[1]), column: Number(lc[2]) };
  const pos = /position (\d+)/.exec(message);
  if (pos) return lineColumn(text, Number(pos[1]));
  if (/unexpected end/i.test(message)) return lineColumn(text, text.length);
  return {};
}

// The `type` keyword's problems (a name or a list of names), else null.
function typeProblem(type: unknown, where: string): string | null {
  const names = Array.isArray(type) ? type : [type];
  for (const n of names)
    if (typeof n !== 'string' || !(JSON_SCHEMA_TYPES as readonly string[]).includes(n))
      return `${where}"type" ${JSON.stringify(n)} is not a JSON Schema type (${JSON_SCHEMA_TYPES.join(', ')})`;
  return null;
}

// Checks JSON Schema text: it must parse, be a JSON object, name only real
// types, and (`requireObject`) describe an object — what tool parameters must
// be and what OpenAI's strict mode asks of a reply schema. Without
// `requireObject`, another root type is a warning (the server accepts it).
export function checkSchemaText(text: string, { requireObject = true, allowEmpty = false } = {}): SchemaCheck {
  if (!text.trim()) return allowEmpty ? { ok: true } : { ok: false, error: 'Write a JSON Schema, e.g. {"type": "object", "properties": {...}}.' };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const place = parseErrorPlace(message, text);
    const at = place.line ? ` (line ${place.line}, column ${place.column})` : '';
    return { ok: false, error: `Not valid JSON${at}: ${message}`, ...place };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return { ok: false, error: `A schema is a JSON object, not ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}.` };
  const schema = value as Record<string, unknown>;
  if ('type' in schema) {
    const bad = typeProblem(schema.type, '');
    if (bad) return { ok: false, error: bad, schema };
  }
  const props = schema.properties;
  if (props !== undefined) {
    if (props === null || typeof props !== 'object' || Array.isArray(props)) return { ok: false, error: '"properties" must be an object of schemas.', schema };
    for (const [name, sub] of Object.entries(props as Record<string, unknown>)) {
      if (sub === null || typeof sub !== 'object' || Array.isArray(sub)) return { ok: false, error: `"properties.${name}" must be a schema (an object).`, schema };
      if ('type' in (sub as object)) {
        const bad = typeProblem((sub as Record<string, unknown>).type, `properties.${name}: `);
        if (bad) return { ok: false, error: bad, schema };
      }
    }
  }
  if (schema.required !== undefined && !(Array.isArray(schema.required) && schema.required.every((r) => typeof r === 'string')))
    return { ok: false, error: '"required" must be an array of property names.', schema };
  const isObject =
    schema.type === 'object' || (Array.isArray(schema.type) && schema.type.includes('object')) || (schema.type === undefined && props !== undefined);
  if (!isObject) {
    const what = 'The schema does not describe an object: give it "type": "object" and "properties".';
    return requireObject ? { ok: false, error: what, schema } : { ok: true, schema, warning: `${what} The server accepts it, but OpenAI's strict mode would not.` };
  }
  return { ok: true, schema };
}

// --- structured output

export type StructuredMode = 'off' | 'json_object' | 'json_schema' | 'grammar';

export interface StructuredSettings {
  mode: StructuredMode;
  schemaName: string;
  schemaText: string;
  grammarText: string;
}

export const EXAMPLE_SCHEMA = `{
  "type": "object",
  "properties": {
    "name": { "type": "string" },
    "age": { "type": "integer" }
  },
  "required": ["name", "age"]
}`;

export const EXAMPLE_GRAMMAR = `root   ::= answer "."
answer ::= "yes" | "no" | "maybe"`;

export const DEFAULT_STRUCTURED: StructuredSettings = { mode: 'off', schemaName: 'reply', schemaText: EXAMPLE_SCHEMA, grammarText: EXAMPLE_GRAMMAR };

// What is wrong with the settings (null when they can be sent).
export function structuredProblem(s: StructuredSettings): string | null {
  if (s.mode === 'json_schema') {
    const c = checkSchemaText(s.schemaText, { requireObject: false });
    if (!c.ok) return c.error ?? 'The schema is not valid.';
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(s.schemaName)) return 'The schema name is 1–64 letters, digits, _ or -.';
  }
  if (s.mode === 'grammar' && !s.grammarText.trim()) return 'Write a GBNF grammar with a root rule.';
  return null;
}

// The request fields: `response_format` (json_object / json_schema, strict) or `grammar` (GBNF text).
export function structuredFields(s: StructuredSettings): Record<string, unknown> {
  switch (s.mode) {
    case 'json_object':
      return { response_format: { type: 'json_object' } };
    case 'json_schema': {
      const c = checkSchemaText(s.schemaText, { requireObject: false });
      return { response_format: { type: 'json_schema', json_schema: { name: s.schemaName || 'reply', schema: c.schema ?? {}, strict: true } } };
    }
    case 'grammar':
      return { grammar: s.grammarText };
    default:
      return {};
  }
}

// --- tools

export interface ToolDraft {
  key: number; // the list's own key
  name: string;
  description: string;
  parametersText: string;
}

export type ToolChoiceSetting = 'auto' | 'none' | 'required' | `function:${string}`;

export const EXAMPLE_PARAMETERS = `{
  "type": "object",
  "properties": { "city": { "type": "string" } },
  "required": ["city"]
}`;

const TOOL_NAME = /^[A-Za-z0-9_-]{1,64}$/;

// What is wrong with one function (null when fine); `others` are the other functions' names.
export function toolProblem(t: ToolDraft, others: string[] = []): string | null {
  if (!TOOL_NAME.test(t.name)) return 'The name is 1–64 letters, digits, _ or -.';
  if (others.includes(t.name)) return `Another function is called ${t.name}.`;
  const c = checkSchemaText(t.parametersText, { requireObject: true, allowEmpty: true });
  return c.ok ? null : `Parameters: ${c.error}`;
}

export function toolsProblem(tools: ToolDraft[], choice: ToolChoiceSetting): string | null {
  for (const [i, t] of tools.entries()) {
    const p = toolProblem(t, tools.filter((_, j) => j !== i).map((o) => o.name));
    if (p) return `${t.name || `Function ${i + 1}`}: ${p}`;
  }
  if (choice.startsWith('function:') && !tools.some((t) => `function:${t.name}` === choice)) return 'The tool choice names a function that is not in the list.';
  if (choice === 'required' && tools.length === 0) return '"Required" needs at least one function.';
  return null;
}

export function toolDefinitions(tools: ToolDraft[]): ToolDefinition[] {
  return tools.map((t) => {
    const c = checkSchemaText(t.parametersText, { requireObject: true, allowEmpty: true });
    const fn: ToolDefinition['function'] = { name: t.name, parameters: c.schema ?? { type: 'object', properties: {} } };
    if (t.description.trim()) fn.description = t.description.trim();
    return { type: 'function', function: fn };
  });
}

export function toolChoiceValue(choice: ToolChoiceSetting): ToolChoice {
  return choice.startsWith('function:') ? { type: 'function', function: { name: choice.slice('function:'.length) } } : (choice as ToolChoice);
}

// The request fields of the tools (none when the list is empty).
export function toolFields(tools: ToolDraft[], choice: ToolChoiceSetting): Record<string, unknown> {
  if (tools.length === 0) return {};
  return { tools: toolDefinitions(tools), tool_choice: toolChoiceValue(choice) };
}

// The tool choice of the reply after the results: a forced call (required or a
// named function) would only be forced again, so that reply may choose (auto).
export function followUpChoice(choice: ToolChoiceSetting): ToolChoice {
  return choice === 'none' ? 'none' : 'auto';
}

// The history after a reply that called tools: the assistant's message with its
// calls (and any text), then each call's result as a `tool` message.
export function historyWithResults(history: ChatMessage[], reply: { text: string; toolCalls: ToolCall[] }, results: Record<string, string>): ChatMessage[] {
  return [
    ...history,
    { role: 'assistant', content: reply.text, tool_calls: reply.toolCalls },
    ...reply.toolCalls.map(
      (c): ChatMessage => ({ role: 'tool', tool_call_id: c.id, name: c.function.name, content: results[c.id] ?? '' }),
    ),
  ];
}

// A call's arguments for reading: pretty JSON when they parse, else as sent.
export function prettyArguments(args: string): string {
  try {
    return JSON.stringify(JSON.parse(args), null, 2);
  } catch {
    return args;
  }
}

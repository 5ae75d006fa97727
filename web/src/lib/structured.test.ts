// The schema check of the structured-output and tools panels (parse errors with
// their place, object schemas, type names), the request fields they become, and
// the history of a tool round trip.
import { describe, expect, it } from 'vitest';
import {
  checkSchemaText, lineColumn, structuredFields, structuredProblem, toolsProblem, toolFields, toolChoiceValue, followUpChoice,
  historyWithResults, prettyArguments, DEFAULT_STRUCTURED, type ToolDraft,
} from './structured';

const tool = (name: string, parametersText = '{"type": "object", "properties": {"city": {"type": "string"}}}', description = ''): ToolDraft => ({
  key: 1, name, description, parametersText,
});

describe('checkSchemaText', () => {
  it('accepts an object schema', () => {
    const c = checkSchemaText('{"type": "object", "properties": {"a": {"type": "integer"}}, "required": ["a"]}');
    expect(c.ok).toBe(true);
    expect(c.schema).toMatchObject({ type: 'object' });
    expect(c.error).toBeUndefined();
  });

  it('says where the JSON breaks, as line and column', () => {
    const c = checkSchemaText('{\n  "type": "object",\n  "properties": {,}\n}');
    expect(c.ok).toBe(false);
    expect(c.line).toBe(3);
    expect(c.column).toBe(18);
    expect(c.error).toMatch(/^Not valid JSON \(line 3, column 18\)/);
  });

  it('places an unexpected end at the end', () => {
    const c = checkSchemaText('{"type": "object"');
    expect(c.ok).toBe(false);
    expect(c.error).toMatch(/Not valid JSON/);
    expect(c.line).toBe(1);
  });

  it('refuses what is not a JSON object', () => {
    expect(checkSchemaText('[1, 2]').error).toMatch(/not an array/);
    expect(checkSchemaText('"object"').error).toMatch(/not a string/);
    expect(checkSchemaText('null').error).toMatch(/not null/);
  });

  it('refuses unknown type names, at the root and in properties', () => {
    expect(checkSchemaText('{"type": "wat"}').error).toMatch(/"type" "wat" is not a JSON Schema type/);
    expect(checkSchemaText('{"type": "object", "properties": {"a": {"type": "str"}}}').error).toMatch(/properties\.a: "type" "str"/);
    expect(checkSchemaText('{"type": ["object", "null"]}').ok).toBe(true);
    expect(checkSchemaText('{"type": "object", "properties": {"a": 1}}').error).toMatch(/properties\.a" must be a schema/);
    expect(checkSchemaText('{"type": "object", "required": "a"}').error).toMatch(/"required" must be an array/);
  });

  it('asks for an object schema, or warns when that is only advised', () => {
    expect(checkSchemaText('{"type": "string"}').error).toMatch(/does not describe an object/);
    const loose = checkSchemaText('{"type": "array", "items": {"type": "string"}}', { requireObject: false });
    expect(loose.ok).toBe(true);
    expect(loose.warning).toMatch(/does not describe an object/);
    // "properties" without "type" is an object schema too.
    expect(checkSchemaText('{"properties": {"a": {}}}').ok).toBe(true);
  });

  it('allows an empty text only where asked (tool parameters)', () => {
    expect(checkSchemaText('  ').ok).toBe(false);
    expect(checkSchemaText('  ', { allowEmpty: true })).toEqual({ ok: true });
  });

  it('counts lines and columns from 1', () => {
    expect(lineColumn('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });
});

describe('structured output fields', () => {
  it('sends response_format or grammar by mode', () => {
    expect(structuredFields({ ...DEFAULT_STRUCTURED, mode: 'off' })).toEqual({});
    expect(structuredFields({ ...DEFAULT_STRUCTURED, mode: 'json_object' })).toEqual({ response_format: { type: 'json_object' } });
    expect(structuredFields({ ...DEFAULT_STRUCTURED, mode: 'json_schema', schemaName: 'person', schemaText: '{"type": "object", "properties": {"n": {"type": "integer"}}}' })).toEqual({
      response_format: { type: 'json_schema', json_schema: { name: 'person', schema: { type: 'object', properties: { n: { type: 'integer' } } }, strict: true } },
    });
    expect(structuredFields({ ...DEFAULT_STRUCTURED, mode: 'grammar', grammarText: 'root ::= "a"' })).toEqual({ grammar: 'root ::= "a"' });
  });

  it('holds back a broken schema, a bad name or an empty grammar', () => {
    expect(structuredProblem({ ...DEFAULT_STRUCTURED, mode: 'json_schema' })).toBeNull();
    expect(structuredProblem({ ...DEFAULT_STRUCTURED, mode: 'json_schema', schemaText: '{' })).toMatch(/Not valid JSON/);
    expect(structuredProblem({ ...DEFAULT_STRUCTURED, mode: 'json_schema', schemaName: 'a b' })).toMatch(/schema name/);
    expect(structuredProblem({ ...DEFAULT_STRUCTURED, mode: 'grammar', grammarText: ' ' })).toMatch(/GBNF/);
    // Broken schema text does not matter while another mode is chosen.
    expect(structuredProblem({ ...DEFAULT_STRUCTURED, mode: 'off', schemaText: '{' })).toBeNull();
  });
});

describe('tools', () => {
  it('builds the tools and the tool choice', () => {
    expect(toolFields([], 'auto')).toEqual({});
    expect(toolFields([tool('get_weather', '', ' Weather ')], 'function:get_weather')).toEqual({
      tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: {} } } }],
      tool_choice: { type: 'function', function: { name: 'get_weather' } },
    });
    expect(toolChoiceValue('required')).toBe('required');
    expect(followUpChoice('required')).toBe('auto');
    expect(followUpChoice('function:f')).toBe('auto');
    expect(followUpChoice('none')).toBe('none');
  });

  it('finds bad names, duplicates, bad parameters and a choice naming no function', () => {
    expect(toolsProblem([tool('f')], 'auto')).toBeNull();
    expect(toolsProblem([tool('bad name')], 'auto')).toMatch(/letters, digits/);
    expect(toolsProblem([tool('f'), { ...tool('f'), key: 2 }], 'auto')).toMatch(/Another function is called f/);
    expect(toolsProblem([tool('f', '{"type": "string"}')], 'auto')).toMatch(/^f: Parameters: .*object/);
    expect(toolsProblem([tool('f', '{"type": ')], 'auto')).toMatch(/Parameters: Not valid JSON/);
    expect(toolsProblem([tool('f')], 'function:g')).toMatch(/not in the list/);
  });

  it('adds the assistant calls and one tool message per call to the history', () => {
    const calls = [
      { id: 'call_1', type: 'function' as const, function: { name: 'f', arguments: '{"city":"Paris"}' } },
      { id: 'call_2', type: 'function' as const, function: { name: 'g', arguments: '{}' } },
    ];
    const history = historyWithResults([{ role: 'user', content: 'Hi' }], { text: '', toolCalls: calls }, { call_1: 'Sunny' });
    expect(history).toEqual([
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: '', tool_calls: calls },
      { role: 'tool', tool_call_id: 'call_1', name: 'f', content: 'Sunny' },
      { role: 'tool', tool_call_id: 'call_2', name: 'g', content: '' },
    ]);
  });

  it('pretty-prints arguments that parse and keeps the rest as sent', () => {
    expect(prettyArguments('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyArguments('{"a":')).toBe('{"a":');
  });
});

// The Playground's settings as remembered across reloads (localStorage key
// pg.playground): model, prompt, system prompt, the sampling values the user
// set, structured output, tools and the token view — never the output. What is
// read back is checked field by field; anything malformed is left at its default.
import { DEFAULT_MAX_TOKENS, SAMPLING_FIELDS } from './sampling';
import { DEFAULT_STRUCTURED, type StructuredSettings, type ToolChoiceSetting, type ToolDraft } from './structured';
import { MAX_SEED } from './format';
import type { SamplingParams } from './types';

export const PLAYGROUND_KEY = 'pg.playground';

export interface PlaygroundSettings {
  model: string; // '' = the server's default
  prompt: string;
  system: string;
  params: SamplingParams; // only what the user set
  structured: StructuredSettings;
  tools: ToolDraft[];
  toolChoice: ToolChoiceSetting;
  showTokens: boolean;
}

export const DEFAULT_PLAYGROUND: PlaygroundSettings = {
  model: '',
  prompt: 'Once upon a time',
  system: '',
  params: { max_tokens: DEFAULT_MAX_TOKENS },
  structured: DEFAULT_STRUCTURED,
  tools: [],
  toolChoice: 'auto',
  showTokens: false,
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown, fallback: string) => (typeof v === 'string' ? v : fallback);

function readParams(v: unknown): SamplingParams {
  if (!isObject(v)) return { ...DEFAULT_PLAYGROUND.params };
  const out: SamplingParams = {};
  for (const f of SAMPLING_FIELDS) {
    const x = v[f.key];
    if (typeof x === 'number' && Number.isFinite(x)) out[f.key] = x;
  }
  if (typeof v.max_tokens === 'number' && Number.isInteger(v.max_tokens) && v.max_tokens > 0) out.max_tokens = v.max_tokens;
  if (typeof v.seed === 'number' && Number.isInteger(v.seed) && v.seed >= -1 && v.seed <= MAX_SEED) out.seed = v.seed;
  if (Array.isArray(v.stop)) out.stop = v.stop.filter((s): s is string => typeof s === 'string');
  if (typeof v.ignore_eos === 'boolean') out.ignore_eos = v.ignore_eos;
  return out;
}

function readStructured(v: unknown): StructuredSettings {
  if (!isObject(v)) return DEFAULT_STRUCTURED;
  const mode = ['off', 'json_object', 'json_schema', 'grammar'].includes(v.mode as string) ? (v.mode as StructuredSettings['mode']) : DEFAULT_STRUCTURED.mode;
  return {
    mode,
    schemaName: str(v.schemaName, DEFAULT_STRUCTURED.schemaName),
    schemaText: str(v.schemaText, DEFAULT_STRUCTURED.schemaText),
    grammarText: str(v.grammarText, DEFAULT_STRUCTURED.grammarText),
  };
}

function readTools(v: unknown): ToolDraft[] {
  if (!Array.isArray(v)) return [];
  return v.filter(isObject).map((t, i) => ({
    key: typeof t.key === 'number' ? t.key : i + 1,
    name: str(t.name, ''),
    description: str(t.description, ''),
    parametersText: str(t.parametersText, ''),
  }));
}

function readChoice(v: unknown, tools: ToolDraft[]): ToolChoiceSetting {
  if (v === 'auto' || v === 'none' || v === 'required') return v;
  if (typeof v === 'string' && v.startsWith('function:') && tools.some((t) => `function:${t.name}` === v)) return v as ToolChoiceSetting;
  return 'auto';
}

// The settings from their stored text (null, garbage or an older shape give the defaults).
export function parsePlaygroundSettings(text: string | null): PlaygroundSettings {
  if (!text) return DEFAULT_PLAYGROUND;
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return DEFAULT_PLAYGROUND;
  }
  if (!isObject(v)) return DEFAULT_PLAYGROUND;
  const tools = readTools(v.tools);
  return {
    model: str(v.model, ''),
    prompt: str(v.prompt, DEFAULT_PLAYGROUND.prompt),
    system: str(v.system, ''),
    params: readParams(v.params),
    structured: readStructured(v.structured),
    tools,
    toolChoice: readChoice(v.toolChoice, tools),
    showTokens: v.showTokens === true,
  };
}

export function loadPlaygroundSettings(): PlaygroundSettings {
  try {
    return parsePlaygroundSettings(localStorage.getItem(PLAYGROUND_KEY));
  } catch {
    return DEFAULT_PLAYGROUND;
  }
}

export function savePlaygroundSettings(s: PlaygroundSettings) {
  try {
    localStorage.setItem(PLAYGROUND_KEY, JSON.stringify(s));
  } catch {
    // storage full or disabled: remembered for this page only
  }
}

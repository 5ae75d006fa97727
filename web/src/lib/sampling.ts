// The sampling fields of the generation routes with the server's built-in
// defaults and ranges (docs/API.md "Sampling fields"), each with a one-line
// explanation; what a control shows (the user's value, else the model's own
// default, else the built-in one) and what a request sends (every value the
// user set, nothing else). Settings objects hold only the values the user set:
// this module must never fill in defaults there, or the server could no longer
// apply the model's own defaults (its Modelfile PARAMETERs) to the rest.
import type { ModelInfo, SamplingParams } from './types';

export interface SamplingField {
  key: NumericSamplingKey;
  label: string;
  min: number;
  max: number;
  step: number;
  default: number;
  help: string;
  integer?: boolean;
}

export type NumericSamplingKey =
  | 'temperature' | 'top_p' | 'top_k' | 'min_p' | 'repeat_penalty' | 'repeat_last_n' | 'frequency_penalty' | 'presence_penalty';

export const SAMPLING_FIELDS: SamplingField[] = [
  { key: 'temperature', label: 'Temperature', min: 0, max: 2, step: 0.05, default: 0.8, help: 'Randomness: 0 always takes the likeliest token, higher is more varied.' },
  { key: 'top_p', label: 'Top P', min: 0, max: 1, step: 0.01, default: 0.95, help: 'Keep the likeliest tokens whose probabilities add up to P (1 = off).' },
  { key: 'top_k', label: 'Top K', min: 0, max: 200, step: 1, default: 40, help: 'Keep only the K likeliest tokens (0 = off).', integer: true },
  { key: 'min_p', label: 'Min P', min: 0, max: 1, step: 0.01, default: 0.05, help: 'Drop tokens less likely than P times the likeliest one (0 = off).' },
  { key: 'repeat_penalty', label: 'Repeat penalty', min: 0.5, max: 2, step: 0.01, default: 1.0, help: 'Above 1 makes recently used tokens less likely (1 = off).' },
  { key: 'repeat_last_n', label: 'Repeat window', min: -1, max: 2048, step: 1, default: 64, help: 'How many recent tokens the repeat penalty looks at (-1 = all).', integer: true },
  { key: 'frequency_penalty', label: 'Frequency penalty', min: -2, max: 2, step: 0.05, default: 0, help: 'Penalises tokens by how often they appeared so far (OpenAI style).' },
  { key: 'presence_penalty', label: 'Presence penalty', min: -2, max: 2, step: 0.05, default: 0, help: 'Penalises tokens that appeared at all so far (OpenAI style).' },
];

export const DEFAULT_MAX_TOKENS = 256;

// The fields "Reset to model defaults" clears: everything the model's params may set (not max_tokens).
export const MODEL_DEFAULT_KEYS: (keyof SamplingParams)[] = [...SAMPLING_FIELDS.map((f) => f.key), 'seed', 'stop', 'ignore_eos'];

// A model's own sampling defaults (the server's `defaults` of a local model), keeping only well-typed values.
export function modelDefaults(model: ModelInfo | undefined | null): SamplingParams {
  const d = model?.defaults;
  const out: SamplingParams = {};
  if (!d || typeof d !== 'object') return out;
  for (const f of SAMPLING_FIELDS) {
    const v = (d as Record<string, unknown>)[f.key];
    if (typeof v === 'number' && Number.isFinite(v)) out[f.key] = v;
  }
  if (typeof d.seed === 'number') out.seed = d.seed;
  const stop: unknown = d.stop;
  if (typeof stop === 'string') out.stop = [stop];
  else if (Array.isArray(stop)) out.stop = stop.filter((s): s is string => typeof s === 'string');
  if (typeof d.ignore_eos === 'boolean') out.ignore_eos = d.ignore_eos;
  return out;
}

// What a numeric control shows: the user's value, else the model's default, else the built-in default.
export function shownValue(f: SamplingField, userSet: SamplingParams, defaults: SamplingParams): number {
  return userSet[f.key] ?? defaults[f.key] ?? f.default;
}

// The default a numeric control returns to when reset, and where it comes from.
export function defaultOf(f: SamplingField, defaults: SamplingParams): { value: number; fromModel: boolean } {
  const m = defaults[f.key];
  return m === undefined ? { value: f.default, fromModel: false } : { value: m, fromModel: true };
}

export function isUserSet(userSet: SamplingParams, key: keyof SamplingParams): boolean {
  return userSet[key] !== undefined;
}

// The settings without some fields: they are unset again, and the model's defaults apply.
export function withoutFields(userSet: SamplingParams, keys: (keyof SamplingParams)[]): SamplingParams {
  const out: SamplingParams = { ...userSet };
  for (const k of keys) delete out[k];
  return out;
}

// The request fields for the given settings: every value the user set, even one equal to
// a default; nothing for unset fields, so the server applies the model's own defaults.
export function samplingBody(p: SamplingParams): SamplingParams {
  const out: SamplingParams = {};
  for (const f of SAMPLING_FIELDS) {
    const v = p[f.key];
    if (typeof v === 'number' && Number.isFinite(v)) out[f.key] = v;
  }
  if (typeof p.max_tokens === 'number' && p.max_tokens > 0) out.max_tokens = p.max_tokens;
  if (typeof p.seed === 'number' && Number.isFinite(p.seed)) out.seed = p.seed;
  if (Array.isArray(p.stop)) out.stop = p.stop.slice(0, 16);
  if (typeof p.ignore_eos === 'boolean') out.ignore_eos = p.ignore_eos;
  return out;
}

// A model's context: the loaded model's, else (not loaded yet: the list gives no
// context_length) the one it was trained with, which the server's context does not exceed.
export function contextOf(model: ModelInfo | undefined | null): number | undefined {
  return model?.context_length ?? model?.training_context_length;
}

// A reply's length limit for a model: never more than the model's context (the API refuses more).
export function capMaxTokens(maxTokens: number, contextLength: number | undefined): number {
  return contextLength && contextLength > 0 ? Math.min(maxTokens, contextLength) : maxTokens;
}

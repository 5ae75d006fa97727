// The sampling fields of the generation routes with the server's defaults and
// ranges (docs/API.md "Sampling fields"), each with a one-line explanation.
import type { SamplingParams } from './types';

export interface SamplingField {
  key: keyof SamplingParams;
  label: string;
  min: number;
  max: number;
  step: number;
  default: number;
  help: string;
  integer?: boolean;
}

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

// The request fields for the given settings: only those that differ from the server's default.
export function samplingBody(p: SamplingParams): SamplingParams {
  const out: SamplingParams = {};
  for (const f of SAMPLING_FIELDS) {
    const v = p[f.key];
    if (typeof v === 'number' && v !== f.default) (out as Record<string, number>)[f.key] = v;
  }
  if (p.max_tokens !== undefined && p.max_tokens > 0) out.max_tokens = p.max_tokens;
  if (p.seed !== undefined && p.seed >= 0) out.seed = p.seed;
  if (p.stop && p.stop.length) out.stop = p.stop.slice(0, 16);
  if (p.ignore_eos) out.ignore_eos = true;
  return out;
}

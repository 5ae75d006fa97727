// The sampling settings' rules: every value the user set is sent, even one equal
// to a default; unset fields are not sent (the server applies the model's own
// defaults); the controls start from the model's defaults, else the built-in
// ones; resetting a field makes it unset again.
import { describe, expect, it } from 'vitest';
import { SAMPLING_FIELDS, MODEL_DEFAULT_KEYS, capMaxTokens, contextOf, modelDefaults, samplingBody, shownValue, defaultOf, withoutFields } from './sampling';
import type { ModelInfo } from './types';

const field = (key: string) => SAMPLING_FIELDS.find((f) => f.key === key)!;
const model = (defaults?: unknown): ModelInfo =>
  ({ name: 'm', file: 'm.gguf', size_bytes: 1, modified_at: '', default: false, loaded: false, defaults }) as ModelInfo;

describe('samplingBody', () => {
  it('sends a user-set value even when it equals the built-in or the model default', () => {
    expect(samplingBody({ temperature: 0.8, top_p: 0.95, top_k: 40, repeat_penalty: 1, presence_penalty: 0 })).toEqual({
      temperature: 0.8, top_p: 0.95, top_k: 40, repeat_penalty: 1, presence_penalty: 0,
    });
  });

  it('sends nothing for unset fields', () => {
    expect(samplingBody({})).toEqual({});
    expect(samplingBody({ temperature: undefined, seed: undefined, stop: undefined, ignore_eos: undefined })).toEqual({});
    expect(samplingBody({ top_k: 10, max_tokens: 64 })).toEqual({ top_k: 10, max_tokens: 64 });
  });

  it('sends a set seed, stop list and ignore_eos as they are, an empty stop list included', () => {
    expect(samplingBody({ seed: -1, stop: [], ignore_eos: false })).toEqual({ seed: -1, stop: [], ignore_eos: false });
    expect(samplingBody({ seed: 0, stop: Array.from({ length: 20 }, (_, i) => `s${i}`) }).stop).toHaveLength(16);
  });
});

describe('modelDefaults', () => {
  it("reads the model's defaults, keeping only well-typed values", () => {
    expect(modelDefaults(model({ temperature: 0.6, top_k: 20, stop: '</s>', seed: 3, ignore_eos: true, top_p: 'x', num_ctx: 4096 }))).toEqual({
      temperature: 0.6, top_k: 20, stop: ['</s>'], seed: 3, ignore_eos: true,
    });
    expect(modelDefaults(model({ stop: ['a', 1, 'b'] }))).toEqual({ stop: ['a', 'b'] });
  });

  it('is empty for a model without defaults, or no model', () => {
    expect(modelDefaults(model())).toEqual({});
    expect(modelDefaults(undefined)).toEqual({});
  });
});

describe('what a control shows', () => {
  const t = field('temperature');
  it("starts from the model's default when it has one, the built-in default otherwise", () => {
    expect(shownValue(t, {}, { temperature: 0.6 })).toBe(0.6);
    expect(defaultOf(t, { temperature: 0.6 })).toEqual({ value: 0.6, fromModel: true });
    expect(shownValue(t, {}, {})).toBe(0.8);
    expect(defaultOf(t, {})).toEqual({ value: 0.8, fromModel: false });
  });

  it("shows the user's value over any default", () => {
    expect(shownValue(t, { temperature: 0.8 }, { temperature: 0.6 })).toBe(0.8);
    expect(shownValue(t, { temperature: 0 }, { temperature: 0.6 })).toBe(0);
  });

  it('shows the new model defaults for unset fields when the model changes', () => {
    const userSet = { top_k: 5 };
    expect(shownValue(t, userSet, modelDefaults(model({ temperature: 0.6 })))).toBe(0.6);
    expect(shownValue(t, userSet, modelDefaults(model({ temperature: 0.3 })))).toBe(0.3);
    expect(shownValue(t, userSet, modelDefaults(model()))).toBe(0.8);
    expect(shownValue(field('top_k'), userSet, modelDefaults(model({ top_k: 20 })))).toBe(5);
  });
});

describe('withoutFields', () => {
  it('unsets fields without touching the others or the original', () => {
    const userSet = { temperature: 0.8, top_k: 5, max_tokens: 64, stop: ['x'] };
    expect(withoutFields(userSet, ['temperature'])).toEqual({ top_k: 5, max_tokens: 64, stop: ['x'] });
    expect(withoutFields(userSet, MODEL_DEFAULT_KEYS)).toEqual({ max_tokens: 64 });
    expect(userSet.temperature).toBe(0.8);
  });
});

describe('max tokens against a context', () => {
  it("is capped at the model's context, the training one when it is not loaded", () => {
    expect(capMaxTokens(4096, 512)).toBe(512);
    expect(capMaxTokens(100, 512)).toBe(100);
    expect(capMaxTokens(4096, undefined)).toBe(4096);
    const base = { name: 'm', file: '', size_bytes: 0, modified_at: '', default: false, loaded: false };
    expect(contextOf({ ...base, context_length: 512, training_context_length: 4096 })).toBe(512);
    expect(contextOf({ ...base, training_context_length: 4096 })).toBe(4096);
    expect(contextOf(undefined)).toBeUndefined();
  });
});

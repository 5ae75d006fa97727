// What the Playground remembers across reloads: read back field by field, with
// anything malformed (or an older shape) left at its default; never the output.
import { describe, expect, it } from 'vitest';
import { DEFAULT_PLAYGROUND, PLAYGROUND_KEY, loadPlaygroundSettings, parsePlaygroundSettings, savePlaygroundSettings } from './playgroundSettings';

describe('playground settings', () => {
  it('round-trips through localStorage', () => {
    const s = {
      ...DEFAULT_PLAYGROUND,
      model: 'twin',
      prompt: 'Hello',
      system: 'Be brief.',
      params: { temperature: 0.3, seed: 9007199254740991, max_tokens: 40, stop: ['\n'], ignore_eos: true },
      tools: [{ key: 1, name: 'f', description: '', parametersText: '{}' }],
      toolChoice: 'function:f' as const,
      showTokens: true,
    };
    savePlaygroundSettings(s);
    expect(JSON.parse(localStorage.getItem(PLAYGROUND_KEY)!)).not.toHaveProperty('text');
    expect(loadPlaygroundSettings()).toEqual(s);
  });

  it('falls back to the defaults for missing, broken or wrong-typed values', () => {
    expect(parsePlaygroundSettings(null)).toEqual(DEFAULT_PLAYGROUND);
    expect(parsePlaygroundSettings('{not json')).toEqual(DEFAULT_PLAYGROUND);
    expect(parsePlaygroundSettings('[1,2]')).toEqual(DEFAULT_PLAYGROUND);
    const s = parsePlaygroundSettings(
      JSON.stringify({
        model: 3, prompt: 'P', params: { temperature: 'hot', top_k: 5, seed: 9007199254740992, max_tokens: -3 },
        structured: { mode: 'xml' }, tools: 'no', toolChoice: 'function:gone', showTokens: 'yes',
      }),
    );
    expect(s).toEqual({ ...DEFAULT_PLAYGROUND, prompt: 'P', params: { top_k: 5 } });
  });
});

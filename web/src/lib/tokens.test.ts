// The token view's arithmetic: probability and its colour (green → yellow →
// red), percentages, visible whitespace, and tokens grouped into whole characters.
import { describe, expect, it } from 'vitest';
import { groupTokens, percent, probability, probabilityColour, probabilityHue, tokensText, visibleToken } from './tokens';

describe('probability and colour', () => {
  it('turns a logprob into a probability in [0, 1]', () => {
    expect(probability(0)).toBe(1);
    expect(probability(Math.log(0.25))).toBeCloseTo(0.25);
    expect(probability(-Infinity)).toBe(0);
    expect(probability(0.5)).toBe(1); // rounding noise above 0
  });

  it('goes from red (0) through yellow (0.5) to green (1), monotonically', () => {
    expect(probabilityHue(0)).toBe(0);
    expect(probabilityHue(0.5)).toBe(60);
    expect(probabilityHue(1)).toBe(120);
    expect(probabilityHue(2)).toBe(120);
    expect(probabilityHue(Number.NaN)).toBe(0);
    const hues = [0, 0.1, 0.3, 0.6, 0.9, 1].map(probabilityHue);
    expect([...hues].sort((a, b) => a - b)).toEqual(hues);
  });

  it('gives CSS colours', () => {
    expect(probabilityColour(1)).toEqual({ background: 'hsl(120 85% 50% / 0.28)', border: 'hsl(120 75% 40%)' });
    expect(probabilityColour(0).background).toBe('hsl(0 85% 50% / 0.28)');
  });

  it('formats percentages', () => {
    expect(percent(1)).toBe('100%');
    expect(percent(0.4237)).toBe('42.4%');
    expect(percent(0.0123)).toBe('1.23%');
    expect(percent(0.0001)).toBe('<0.1%');
    expect(percent(0)).toBe('0%');
  });

  it('shows whitespace', () => {
    expect(visibleToken(' a\n\t')).toBe('␣a↵⇥');
    expect(visibleToken('')).toBe('∅');
  });
});

describe('groupTokens', () => {
  it('keeps whole tokens as they are', () => {
    const g = groupTokens([
      { token: 'Hi', logprob: -0.1, bytes: [72, 105], top_logprobs: [{ token: 'Hi', logprob: -0.1 }, { token: 'Ho', logprob: -3 }] },
      { token: '!', logprob: -1 },
    ]);
    expect(g.map((x) => x.text)).toEqual(['Hi', '!']);
    expect(g[0].top).toHaveLength(2);
    expect(g[1].p).toBeCloseTo(Math.exp(-1));
  });

  it('joins tokens that split one character, multiplying their probabilities', () => {
    // "é" is C3 A9 in UTF-8, here one byte per token.
    const g = groupTokens([
      { token: 'caf', logprob: -0.5, bytes: [99, 97, 102] },
      { token: '\ufffd', logprob: Math.log(0.5), bytes: [0xc3] },
      { token: '\ufffd', logprob: Math.log(0.5), bytes: [0xa9] },
      { token: '!', logprob: 0, bytes: [33] },
    ]);
    expect(g.map((x) => x.text)).toEqual(['caf', 'é', '!']);
    expect(g[1].tokens).toHaveLength(2);
    expect(g[1].p).toBeCloseTo(0.25);
    expect(tokensText(g)).toBe('café!');
  });

  it('leaves a byte that never completes alone', () => {
    const g = groupTokens([
      { token: '\ufffd', logprob: -1, bytes: [0xc3] },
      { token: 'a', logprob: -1, bytes: [97] },
    ]);
    expect(g).toHaveLength(2);
  });
});

// The token view's arithmetic: a token's probability from its logprob, the
// colour of a probability (green for likely, through yellow, to red for
// unlikely), percentages, tokens made readable (whitespace shown), and tokens
// grouped where one character's UTF-8 bytes are split across several tokens
// (each alone would show as "�"; the group shows the character, with the
// product of their probabilities).
import type { TokenLogprob, TopLogprob } from './types';

export function probability(logprob: number): number {
  if (!Number.isFinite(logprob)) return logprob > 0 ? 1 : 0;
  return Math.min(1, Math.max(0, Math.exp(logprob)));
}

// Hue of a probability: 0 (red) at 0, 60 (yellow) at 0.5, 120 (green) at 1.
export function probabilityHue(p: number): number {
  const v = Number.isFinite(p) ? Math.min(1, Math.max(0, p)) : 0;
  return Math.round(v * 120);
}

// The background and underline of a token with probability `p`, as CSS colours (light and dark themes alike).
export function probabilityColour(p: number): { background: string; border: string } {
  const h = probabilityHue(p);
  return { background: `hsl(${h} 85% 50% / 0.28)`, border: `hsl(${h} 75% 40%)` };
}

// The legend's steps, likely first.
export const LEGEND_STEPS = [1, 0.75, 0.5, 0.25, 0.05];

export function percent(p: number): string {
  const v = p * 100;
  if (v >= 99.95) return '100%';
  if (v >= 10) return `${v.toFixed(1)}%`;
  if (v >= 0.1) return `${v.toFixed(2)}%`;
  if (v > 0) return '<0.1%';
  return '0%';
}

// A token's text with its whitespace made visible (for the popover and the alternatives).
export function visibleToken(text: string): string {
  if (text === '') return '∅';
  return text.replace(/ /g, '␣').replace(/\n/g, '↵').replace(/\t/g, '⇥').replace(/\r/g, '␍');
}

const strictUtf8 = typeof TextDecoder !== 'undefined' ? new TextDecoder('utf-8', { fatal: true }) : null;

function decodes(bytes: number[]): boolean {
  if (!strictUtf8) return true;
  try {
    strictUtf8.decode(new Uint8Array(bytes));
    return true;
  } catch {
    return false;
  }
}

export interface TokenGroup {
  text: string;
  logprob: number; // the sum of the tokens' logprobs
  p: number;
  tokens: TokenLogprob[]; // one, or those that make up one character
  top: TopLogprob[]; // the first token's alternatives
}

// Groups tokens so that each group's bytes are whole UTF-8 characters (at most 4 tokens,
// so a token that never completes stays alone). Tokens without bytes are their own group.
export function groupTokens(tokens: TokenLogprob[]): TokenGroup[] {
  const groups: TokenGroup[] = [];
  let i = 0;
  while (i < tokens.length) {
    const first = tokens[i];
    let end = i + 1;
    let text = first.token;
    if (Array.isArray(first.bytes) && first.bytes.length && !decodes(first.bytes)) {
      let bytes = [...first.bytes];
      for (let j = i + 1; j < tokens.length && j < i + 4; j++) {
        const b = tokens[j].bytes;
        if (!Array.isArray(b)) break;
        bytes = bytes.concat(b);
        if (decodes(bytes)) {
          end = j + 1;
          text = new TextDecoder().decode(new Uint8Array(bytes));
          break;
        }
      }
    }
    const members = tokens.slice(i, end);
    const logprob = members.reduce((s, t) => s + t.logprob, 0);
    groups.push({ text, logprob, p: probability(logprob), tokens: members, top: first.top_logprobs ?? [] });
    i = end;
  }
  return groups;
}

// The text the tokens spell, for comparing with the streamed text.
export function tokensText(groups: TokenGroup[]): string {
  return groups.map((g) => g.text).join('');
}

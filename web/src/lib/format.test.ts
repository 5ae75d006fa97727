import { describe, expect, it } from 'vitest';
import { formatSeed, seedNote, parseSeed, shortNumber, shortNumbers, shortNumbersInJson, shortNumbersInMarkdownExport, MAX_SEED } from './format';

describe('shortNumber', () => {
  it('gives the shortest decimal of a 32-bit float', () => {
    expect(shortNumber(Math.fround(0.8))).toBe('0.8');
    expect(shortNumber(0.800000011920929)).toBe('0.8');
    expect(shortNumber(Math.fround(0.95))).toBe('0.95');
    expect(shortNumber(Math.fround(0.05))).toBe('0.05');
    expect(shortNumber(Math.fround(1.1))).toBe('1.1');
    expect(shortNumber(Math.fround(-0.35))).toBe('-0.35');
  });
  it('leaves integers and plain doubles as they are', () => {
    expect(shortNumber(0.8)).toBe('0.8');
    expect(shortNumber(0.1 + 0.2)).toBe(String(0.1 + 0.2));
    expect(shortNumber(40)).toBe('40');
    expect(shortNumber(MAX_SEED)).toBe('9007199254740991');
    expect(shortNumber(NaN)).toBe('NaN');
  });
  it('makes every number of an export short, integers untouched', () => {
    expect(shortNumbers({ sampling: { temperature: 0.800000011920929, top_p: [0.949999988079071], seed: 9007199254740991 }, s: 'x' })).toEqual({
      sampling: { temperature: 0.8, top_p: [0.95], seed: 9007199254740991 },
      s: 'x',
    });
  });
});

describe('seeds', () => {
  it('shows a seed digit for digit', () => {
    expect(formatSeed(9007199254740991)).toBe('9007199254740991');
    expect(formatSeed(1234567890123)).toBe('1234567890123');
    expect(formatSeed(42)).toBe('42');
    expect(formatSeed('960548638915459771')).toBe('960548638915459771');
    expect(formatSeed(undefined)).toBe('');
    expect(formatSeed(1.5)).toBe('');
    expect(formatSeed(17602916509281150449)).toBe(''); // already rounded by JSON.parse: never shown wrong
    expect(seedNote(42)).toBe('seed 42');
    expect(seedNote(2 ** 64)).toMatch(/^seed not shown/);
    expect(seedNote(undefined)).toBe('');
  });
  it('parses a typed seed exactly and refuses one above 2^53 - 1', () => {
    expect(parseSeed('')).toEqual({ ok: true, seed: undefined });
    expect(parseSeed('-1')).toEqual({ ok: true, seed: -1 });
    expect(parseSeed('9007199254740991')).toEqual({ ok: true, seed: 9007199254740991 });
    expect(parseSeed(' 0042 ')).toEqual({ ok: true, seed: 42 });
    expect(parseSeed('9007199254740992').ok).toBe(false);
    expect(parseSeed('960548638915459771').ok).toBe(false);
    expect(parseSeed('1e5').ok).toBe(false);
    expect(parseSeed('4.5').ok).toBe(false);
    expect(parseSeed('-2').ok).toBe(false);
  });
});

describe('exports', () => {
  it('shortens the fractions of a JSON export, leaving integers and strings as they were', () => {
    const text = '{\n  "temperature": 0.800000011920929,\n  "seed": 9007199254740991,\n  "old_seed": 960548638915459771,\n  "content": "t 0.800000011920929",\n  "e": 1.5e-7,\n  "a": [0.949999988079071, -0.5]\n}';
    expect(shortNumbersInJson(text)).toBe(
      '{\n  "temperature": 0.8,\n  "seed": 9007199254740991,\n  "old_seed": 960548638915459771,\n  "content": "t 0.800000011920929",\n  "e": 1.5e-7,\n  "a": [0.95, -0.5]\n}',
    );
    expect(shortNumbersInJson('{"s": "a \\" 0.800000011920929"}')).toBe('{"s": "a \\" 0.800000011920929"}');
  });
  it("shortens the temperature of a Markdown export's reply lines only", () => {
    const md = '## assistant\n\nIt was 0.800000011920929 hot.\n\n*stories260K, seed 42, temperature 0.800000011920929, 12 tokens*\n';
    expect(shortNumbersInMarkdownExport(md)).toBe('## assistant\n\nIt was 0.800000011920929 hot.\n\n*stories260K, seed 42, temperature 0.8, 12 tokens*\n');
  });
});

// Numbers as people read them. The server keeps sampling values as 32-bit
// floats, so 0.8 comes back as 0.800000011920929; shortNumber gives the
// shortest decimal that is the same float (0.8). Seeds are integers in
// 0..2^53-1 (exact as JavaScript numbers): they are shown and parsed digit for
// digit, never rounded or reformatted.

// The shortest text of x: the plain JavaScript form, or the shortest decimal that is the same 32-bit float.
export function shortNumber(x: number): string {
  if (!Number.isFinite(x) || Number.isInteger(x)) return String(x);
  const plain = String(x);
  if (Math.fround(x) !== x) return plain; // not a float32 value: a double says it shortest already
  for (let p = 1; p <= 9; p++) {
    const s = Number(x.toPrecision(p));
    if (Math.fround(s) === x) return String(s);
  }
  return plain;
}

// A value with every non-integer number in it made short (for exports and stored settings).
export function shortNumbers<T>(v: T): T {
  if (typeof v === 'number') return Number(shortNumber(v)) as T;
  if (Array.isArray(v)) return v.map(shortNumbers) as T;
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = shortNumbers(x);
    return out as T;
  }
  return v;
}

export const MAX_SEED = Number.MAX_SAFE_INTEGER; // 9007199254740991 = 2^53 - 1
export const MAX_SEED_TEXT = '9007199254740991';

// A seed as the server sent it, digit for digit ('' when there is none, or when it is a
// number above 2^53 - 1, which JSON parsing has already rounded: its digits would be wrong).
export function formatSeed(seed: unknown): string {
  if (typeof seed === 'number' && Number.isSafeInteger(seed)) return seed.toFixed(0);
  if (typeof seed === 'string' && /^-?\d+$/.test(seed)) return seed;
  return '';
}

// How a reply's seed is shown: its digits, a note that it cannot be shown exactly, or nothing.
export function seedNote(seed: unknown): string {
  if (seed === undefined || seed === null) return '';
  const text = formatSeed(seed);
  return text ? `seed ${text}` : 'seed not shown: the server sent one above 2^53 - 1, which cannot be kept exactly';
}

export type SeedParse = { ok: true; seed: number | undefined } | { ok: false; problem: string };

// A typed seed: '' = unset (random), -1 = random, else a whole number 0..2^53-1 taken exactly.
export function parseSeed(text: string): SeedParse {
  const t = text.trim();
  if (t === '') return { ok: true, seed: undefined };
  if (t === '-1') return { ok: true, seed: -1 };
  if (!/^\d+$/.test(t)) return { ok: false, problem: 'A seed is a whole number (digits only), or -1 for a random one.' };
  const digits = t.replace(/^0+(?=\d)/, '');
  if (digits.length > MAX_SEED_TEXT.length || (digits.length === MAX_SEED_TEXT.length && digits > MAX_SEED_TEXT))
    return { ok: false, problem: `Seeds go up to ${MAX_SEED_TEXT} (2^53 - 1); this one is larger.` };
  return { ok: true, seed: Number(digits) };
}

// JSON text with every number that has a fraction written short (0.800000011920929 → 0.8);
// strings, integers (seeds, ids, counts) and the layout stay byte for byte as they were.
export function shortNumbersInJson(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const m = /^-?\d+(\.\d+)?([eE][-+]?\d+)?/.exec(text.slice(i, i + 64));
      const token = m ? m[0] : c;
      out += m && (m[1] || m[2]) ? shortNumber(Number(token)) : token;
      i += token.length;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

// A conversation's Markdown export with the temperature of each reply's line written short.
export function shortNumbersInMarkdownExport(text: string): string {
  return text.replace(/(, temperature )(-?\d+\.\d+(?:[eE][-+]?\d+)?)/g, (_, lead: string, n: string) => lead + shortNumber(Number(n)));
}

// Citations in a grounded reply: [1], [2], [1, 3] or [2-4]. Each number that names
// one of the reply's sources becomes a Markdown link `#cite-N` (the Chat page renders
// those as buttons that open the source); a number naming no source stays plain text
// and is reported, so the page can flag it. Code (fenced or inline) is left alone.
export const CITE_PREFIX = '#cite-';

const GROUP = /\[(\s*\d+\s*(?:[-–]\s*\d+\s*)?(?:,\s*\d+\s*(?:[-–]\s*\d+\s*)?)*)\](?!\()/g;

// The numbers of one group's inside ("1, 3", "2-4"); a range over 50 long is not expanded.
export function citationNumbers(inside: string): number[] {
  const out: number[] = [];
  for (const part of inside.split(',')) {
    const m = /^\s*(\d+)\s*(?:[-–]\s*(\d+)\s*)?$/.exec(part);
    if (!m) return [];
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    if (b < a || b - a > 50) return [];
    for (let n = a; n <= b; n++) out.push(n);
  }
  return out;
}

export function linkCitations(text: string, known: Set<number>): { markdown: string; unknown: number[] } {
  const unknown = new Set<number>();
  const pieces = text.split(/(```[\s\S]*?(?:```|$)|`[^`\n]*`)/g);
  const markdown = pieces
    .map((piece, i) => {
      if (i % 2 === 1) return piece; // code
      return piece.replace(GROUP, (whole, inside: string) => {
        const numbers = citationNumbers(inside);
        if (!numbers.length) return whole;
        if (!numbers.some((n) => known.has(n))) {
          numbers.forEach((n) => unknown.add(n));
          return whole;
        }
        const parts = numbers.map((n) => {
          if (known.has(n)) return `[${n}](${CITE_PREFIX}${n})`;
          unknown.add(n);
          return String(n);
        });
        return `\\[${parts.join(', ')}\\]`;
      });
    })
    .join('');
  return { markdown, unknown: [...unknown].sort((a, b) => a - b) };
}

// The source number of a citation link's href, else null.
export function citationTarget(href: string | undefined): number | null {
  if (!href?.startsWith(CITE_PREFIX)) return null;
  const n = Number(href.slice(CITE_PREFIX.length));
  return Number.isInteger(n) && n > 0 ? n : null;
}

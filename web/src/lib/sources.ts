// The passages a grounded answer was given (`sources`, cited as [n]) and those left
// out (`dropped`): how their scores, pages and reasons read, on the Documents page and
// under a reply in Chat.
import type { DroppedPassage, SourcePassage } from '@/lib/types';

// Scores are small for rank fusion (1/(k+rank)) and larger for BM25: keep 3 significant
// digits, in the shortest form (0.000003, not 0.00000300; 2, not 2.00).
export function formatScore(x: number | null | undefined): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return Math.abs(x) >= 1000 ? x.toFixed(0) : String(Number(x.toPrecision(3)));
}

// Why a retrieved chunk was left out of the answer: the server's reason, else the usual one.
export const DEFAULT_DROP_REASON = 'did not fit the context budget';
export function dropReason(d: DroppedPassage): string {
  return typeof d.reason === 'string' && d.reason.trim() ? d.reason.trim() : DEFAULT_DROP_REASON;
}
// The `dropped` list of a `sources` or `done` event, tolerant of it being absent or odd.
export function droppedOf(data: unknown): DroppedPassage[] {
  const d = (data as { dropped?: unknown } | null)?.dropped;
  return Array.isArray(d) ? d.filter((x): x is DroppedPassage => typeof x === 'object' && x !== null) : [];
}
// A message's `sources`, keeping only entries with a number (tolerant of it being absent).
export function sourcesOf(data: unknown): SourcePassage[] {
  const s = (data as { sources?: unknown } | null)?.sources;
  return Array.isArray(s) ? s.filter((x): x is SourcePassage => typeof x === 'object' && x !== null && Number.isInteger((x as SourcePassage).number)) : [];
}

export function pagesText(start: number | undefined, end: number | undefined) {
  if (!start) return 'no page';
  return end && end !== start ? `pages ${start}–${end}` : `page ${start}`;
}
export function headingText(h: string | string[] | undefined | null) {
  return Array.isArray(h) ? h.join(' › ') : h ?? '';
}

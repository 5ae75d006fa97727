// Documents in chat: which retrieval modes a conversation may ask for (those every
// attached collection supports) and the `retrieval` object a PATCH sends.
import type { Collection, RetrievalMode, RetrievalSettings } from '@/lib/types';

export const RETRIEVAL_MODES: RetrievalMode[] = ['bm25', 'dense', 'hybrid'];

// The modes every one of the collections supports (none attached: none to choose).
export function commonModes(collections: Pick<Collection, 'retrieval_modes'>[]): RetrievalMode[] {
  if (!collections.length) return [];
  return RETRIEVAL_MODES.filter((m) => collections.every((c) => (c.retrieval_modes ?? ['bm25']).includes(m)));
}

// Top-k as typed: empty is the default (null); else a whole number from 1 to 100.
export function parseTopK(text: string): { value: number | null; problem: string | null } {
  const t = text.trim();
  if (!t) return { value: null, problem: null };
  const n = Number(t);
  if (!/^\d+$/.test(t) || n < 1 || n > 100) return { value: null, problem: 'Top-k is a whole number from 1 to 100.' };
  return { value: n, problem: null };
}

// The share of the context the sources may fill, typed as a percentage: empty is
// the server's default (null); else a number from 5 to 100 (the server's 0.05–1).
export function parseContextShare(text: string): { value: number | null; problem: string | null } {
  const t = text.trim().replace(/%$/, '').trim();
  if (!t) return { value: null, problem: null };
  const n = Number(t);
  if (!/^\d+(\.\d+)?$/.test(t) || n < 5 || n > 100)
    return { value: null, problem: 'The context for sources is a percentage from 5 to 100.' };
  return { value: Math.round(n * 10) / 1000, problem: null };
}

// The `retrieval` to save: the conversation's other settings kept, mode, top_k and
// context_share as chosen ('auto' and empty fields leave them out); nothing set is
// null (the defaults).
export function retrievalBody(
  current: RetrievalSettings | null | undefined,
  mode: RetrievalMode | 'auto',
  topK: number | null,
  contextShare: number | null = null,
): RetrievalSettings | null {
  const next: RetrievalSettings = { ...(current ?? {}) };
  delete next.mode;
  delete next.top_k;
  delete next.context_share;
  if (mode !== 'auto') next.mode = mode;
  if (topK !== null) next.top_k = topK;
  if (contextShare !== null) next.context_share = contextShare;
  for (const [k, v] of Object.entries(next)) if (v === null || v === undefined) delete next[k];
  return Object.keys(next).length ? next : null;
}

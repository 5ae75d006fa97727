// Answers with citations: each [n] that matches a source is a button naming the
// document and pages that opens that source; numbers without a source stay text.
// The chunks retrieved but left out (`dropped`) are listed with their reason (a
// default one when the server gives none), and a source cut to fit is marked.
import { describe, expect, it, vi } from 'vitest';
import { render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import DocumentsPage, { AnswerText, DEFAULT_DROP_REASON, dropReason, droppedOf, formatScore } from './DocumentsPage';
import { fakeFetch, ev } from '@/test/fakeServer';
import { renderPage, MODELS, ME_NO_AUTH } from '@/test/render';
import type { SourcePassage } from '@/lib/types';

const source: SourcePassage = {
  number: 1, chunk_id: 11, document_id: 3, document: 'manual.pdf', page_start: 4, page_end: 5, heading_path: 'Intro',
  score: 0.0163, text: 'Read CSV files with read.csv.', truncated: false,
};

// A server with one collection (BM25 only unless given) whose question is answered by these SSE events.
const DOCS_COLLECTION = { id: 1, name: 'docs', description: '', embedding_model: null as string | null, retrieval_modes: ['bm25'], retrieval_note: '', document_count: 1, chunk_count: 3, created_at: '' };
function answeringServer(answerEvents: string[], collection = DOCS_COLLECTION) {
  return fakeFetch((_m, url) => {
    if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
    if (url.endsWith('/models')) return { kind: 'json', body: MODELS };
    if (url.endsWith('/collections')) return { kind: 'json', body: { collections: [collection] } };
    if (url.includes('/collections/1/documents')) return { kind: 'json', body: { documents: [] } };
    if (url.includes('/ingest/jobs')) return { kind: 'json', body: { jobs: [] } };
    if (url.endsWith('/search')) return { kind: 'json', body: { hits: [] } };
    return { kind: 'sse', chunks: answerEvents };
  });
}

describe('AnswerText', () => {
  it('makes cited sources clickable and leaves invented numbers as text', async () => {
    const onCite = vi.fn();
    render(<AnswerText answer={{ answer: 'Use read.csv [1]. See also [7].', sources: [source] }} onCite={onCite} />);
    const cite = screen.getByRole('button', { name: 'Citation 1: manual.pdf, pages 4–5' });
    await userEvent.click(cite);
    expect(onCite).toHaveBeenCalledWith(source);
    expect(screen.getByTestId('rag-answer')).toHaveTextContent('See also [7].');
    expect(screen.getAllByRole('button')).toHaveLength(1);
  });
});

describe('formatScore', () => {
  it('keeps three significant digits', () => {
    expect(formatScore(0.016393)).toBe('0.0164');
    expect(formatScore(2.0139)).toBe('2.01');
    expect(formatScore(null)).toBe('—');
    expect(formatScore(0.000003)).toBe('0.000003');
    expect(formatScore(2)).toBe('2');
    expect(formatScore(0.5)).toBe('0.5');
  });
});

describe('chunks left out of an answer', () => {
  it("gives the server's reason, else that the chunk did not fit the budget", () => {
    expect(dropReason({ reason: 'needs 300 tokens, 39 left' })).toBe('needs 300 tokens, 39 left');
    expect(dropReason({})).toBe(DEFAULT_DROP_REASON);
    expect(dropReason({ reason: '  ' })).toBe(DEFAULT_DROP_REASON);
    expect(droppedOf({ dropped: [{ chunk_id: 1 }, null, 3] })).toEqual([{ chunk_id: 1 }]);
    expect(droppedOf({})).toEqual([]);
    expect(droppedOf(null)).toEqual([]);
  });

  it('lists the chunks left out with their reason and marks a source cut to fit', async () => {
    const used = { ...source, truncated: true };
    const dropped = [
      { chunk_id: 12, document_id: 3, document: 'manual.pdf', page_start: 6, page_end: 6, heading_path: '', score: 0.01, text: 'More', truncated: false, reason: 'needs 300 tokens, 39 left' },
      { chunk_id: 13, document_id: 3, document: 'manual.pdf', page_start: 7, page_end: 7, heading_path: '', score: 0.009, text: 'Even more', truncated: false },
    ];
    const done = { id: 'rag-1', model: 'stories260K', answer: 'Use read.csv [1].', finish_reason: 'stop', sources: [used], dropped, citations: [], invalid_citations: [] };
    const { impl } = answeringServer([ev('sources', { id: 'rag-1', sources: [used], dropped }), ev('text', { text: 'Use read.csv [1].' }), ev('done', done)]);
    renderPage(<DocumentsPage />, impl, { path: '/documents/1', patterns: ['/documents/:id'] });
    await userEvent.type(await screen.findByLabelText('Question'), 'How do I read a CSV file?');
    const ask = screen.getByRole('button', { name: 'Ask' });
    await waitFor(() => expect(ask).toBeEnabled());
    await userEvent.click(ask);
    await waitFor(() => expect(screen.getAllByTestId('dropped-chunk')).toHaveLength(2));
    const reasons = screen.getAllByTestId('dropped-reason').map((e) => e.textContent);
    expect(reasons).toEqual(['Left out: needs 300 tokens, 39 left', `Left out: ${DEFAULT_DROP_REASON}`]);
    expect(screen.getByTestId('dropped')).toHaveTextContent('manual.pdf · page 6');
    expect(screen.getByTestId('source-truncated')).toHaveTextContent('cut to fit');
  });

  it('shows no left-out list when the answer has no `dropped`', async () => {
    const done = { id: 'rag-1', model: 'stories260K', answer: 'Use read.csv [1].', finish_reason: 'stop', sources: [source], citations: [], invalid_citations: [] };
    const { impl } = answeringServer([ev('sources', { id: 'rag-1', sources: [source] }), ev('text', { text: 'Use read.csv [1].' }), ev('done', done)]);
    renderPage(<DocumentsPage />, impl, { path: '/documents/1', patterns: ['/documents/:id'] });
    await userEvent.type(await screen.findByLabelText('Question'), 'How?');
    const ask = screen.getByRole('button', { name: 'Ask' });
    await waitFor(() => expect(ask).toBeEnabled());
    await userEvent.click(ask);
    await screen.findByTestId('source');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Ask' })).toBeInTheDocument());
    expect(screen.queryByTestId('dropped')).toBeNull();
    expect(screen.queryByTestId('source-truncated')).toBeNull();
  });
});

// The embedding model is chosen when a collection is created (keyword-only by default).
describe('DocumentsPage new collection', () => {
  it('sends the chosen embedding model, and none for keyword-only', async () => {
    const { impl, calls } = fakeFetch((method, url) => {
      if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
      if (url.endsWith('/models')) return { kind: 'json', body: MODELS };
      if (url.endsWith('/collections') && method === 'POST')
        return { kind: 'json', status: 201, body: { id: 7, name: 'x', document_count: 0, chunk_count: 0 } };
      if (url.endsWith('/collections')) return { kind: 'json', body: { collections: [] } };
      return { kind: 'json', body: { documents: [], jobs: [] } };
    });
    renderPage(<DocumentsPage />, impl, { path: '/documents', patterns: ['/documents', '/documents/:id'] });
    const select = await screen.findByLabelText(/Embedding model/);
    await waitFor(() => expect(screen.getByRole('option', { name: /stories260K/ })).toBeInTheDocument());
    await userEvent.type(screen.getByLabelText('New collection'), 'manuals');
    await userEvent.selectOptions(select, 'stories260K');
    await userEvent.click(screen.getByRole('button', { name: /Create/ }));
    await waitFor(() => expect(calls.some((c) => c.method === 'POST')).toBe(true));
    expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ name: 'manuals', description: '', embedding_model: 'stories260K' });

    await userEvent.type(screen.getByLabelText('New collection'), 'notes');
    await userEvent.click(screen.getByRole('button', { name: /Create/ }));
    await waitFor(() => expect(calls.filter((c) => c.method === 'POST')).toHaveLength(2));
    expect(calls.filter((c) => c.method === 'POST')[1].body).toEqual({ name: 'notes', description: '' });
  });
});

// The question's retrieval settings: top-k, the collection's modes and the context for sources.
describe('DocumentsPage ask settings', () => {
  it('sends top-k, mode and context share, and holds back bad values', async () => {
    const done = { id: 'rag-1', model: 'stories260K', answer: 'x', finish_reason: 'stop', sources: [], citations: [], invalid_citations: [] };
    const { impl, calls } = answeringServer([ev('text', { text: 'x' }), ev('done', done)], {
      ...DOCS_COLLECTION, embedding_model: 'enc', retrieval_modes: ['bm25', 'dense', 'hybrid'],
    });
    renderPage(<DocumentsPage />, impl, { path: '/documents/1', patterns: ['/documents/:id'] });
    await userEvent.type(await screen.findByLabelText('Question'), 'How?');
    await userEvent.type(screen.getByLabelText('Top-k passages'), '8');
    await userEvent.selectOptions(screen.getByLabelText('Retrieval mode'), 'dense');
    const share = screen.getByLabelText('Context for sources (%)');
    await userEvent.type(share, '200');
    const ask = screen.getByRole('button', { name: 'Ask' });
    expect(screen.getByText(/from 5 to 100/)).toBeInTheDocument();
    expect(ask).toBeDisabled();
    await userEvent.clear(share);
    await userEvent.type(share, '40');
    await waitFor(() => expect(ask).toBeEnabled());
    await userEvent.click(ask);
    await waitFor(() => expect(calls.some((c) => c.url.endsWith('/rag/query'))).toBe(true));
    const query = calls.find((c) => c.url.endsWith('/rag/query'))?.body as Record<string, unknown>;
    expect(query).toMatchObject({ collection: 'docs', question: 'How?', top_k: 8, mode: 'dense', context_share: 0.4 });
    expect(calls.find((c) => c.url.endsWith('/search'))?.body).toEqual({ query: 'How?', top_k: 8, mode: 'dense' });
  });
});

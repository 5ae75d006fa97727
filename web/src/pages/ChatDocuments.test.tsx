// Documents in chat against a fake server: attach and detach collections and set the
// retrieval (only the modes every attached collection supports), saved with PATCH.
import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import ChatPage from './ChatPage';
import { fakeFetch } from '@/test/fakeServer';
import { renderPage, MODELS, ME_NO_AUTH } from '@/test/render';

const COLLECTIONS = [
  { id: 1, name: 'manuals', description: '', embedding_model: 'minilm', retrieval_modes: ['bm25', 'dense', 'hybrid'], retrieval_note: '', document_count: 2, chunk_count: 9, created_at: '' },
  { id: 2, name: 'notes', description: '', embedding_model: null, retrieval_modes: ['bm25'], retrieval_note: '', document_count: 1, chunk_count: 3, created_at: '' },
];
const CONV = { id: 'conv-1', title: 'Docs chat', model: 'stories260K', system_prompt: '', params: { max_tokens: 128 }, created_at: '', updated_at: '', message_count: 0, messages: [], collections: [] as { id: number; name: string }[], retrieval: null as unknown, own_collection_id: null as number | null };

function docsServer(conv: typeof CONV = CONV) {
  let current = { ...conv };
  return fakeFetch((method, url, body) => {
    if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
    if (url.endsWith('/models')) return { kind: 'json', body: MODELS };
    if (url.startsWith('/api/v1/conversations?')) return { kind: 'json', body: { conversations: [current], total: 1, limit: 200, offset: 0 } };
    if (url === '/api/v1/collections') return { kind: 'json', body: { collections: COLLECTIONS } };
    if (url === '/api/v1/conversations/conv-1' && method === 'PATCH') {
      const b = body as { collections?: number[]; retrieval?: unknown };
      current = { ...current, collections: (b.collections ?? []).map((id) => ({ id, name: COLLECTIONS.find((c) => c.id === id)!.name })), retrieval: b.retrieval ?? null };
      return { kind: 'json', body: current };
    }
    if (url === '/api/v1/conversations/conv-1') return { kind: 'json', body: current };
    return { kind: 'json', status: 404, body: { error: { code: 'not_found', message: url } } };
  });
}

describe('documents in chat', () => {
  it('attaches collections, offers only their common modes and saves with PATCH', async () => {
    const { impl, calls } = docsServer();
    renderPage(<ChatPage />, impl, { path: '/chat/conv-1', patterns: ['/chat', '/chat/:id'] });
    await userEvent.click(await screen.findByRole('button', { name: 'Documents: none attached' }));
    const dialog = await screen.findByRole('dialog');
    const manuals = await within(dialog).findByRole('checkbox', { name: /manuals/ });
    const mode = within(dialog).getByLabelText('Retrieval mode');
    expect(mode).toBeDisabled();
    await userEvent.click(manuals);
    expect(within(mode).getAllByRole('option').map((o) => o.textContent)).toEqual(["auto (the server's choice)", 'bm25', 'dense', 'hybrid']);
    await userEvent.selectOptions(mode, 'hybrid');
    await userEvent.click(within(dialog).getByRole('checkbox', { name: /notes/ }));
    // notes is BM25 only: hybrid is no longer offered and falls back to auto.
    expect(within(mode).getAllByRole('option').map((o) => o.textContent)).toEqual(["auto (the server's choice)", 'bm25']);
    expect(mode).toHaveValue('auto');
    await userEvent.selectOptions(mode, 'bm25');
    await userEvent.type(within(dialog).getByLabelText('Top-k passages'), '200');
    expect(within(dialog).getByText(/whole number from 1 to 100/)).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'Save' })).toBeDisabled();
    await userEvent.clear(within(dialog).getByLabelText('Top-k passages'));
    await userEvent.type(within(dialog).getByLabelText('Top-k passages'), '8');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect(patch.body).toEqual({ collections: [1, 2], retrieval: { mode: 'bm25', top_k: 8 } });
    expect(screen.getByRole('button', { name: 'Documents: manuals, notes' })).toHaveTextContent('Documents (2)');
    expect(screen.getByTestId('attached-collections')).toHaveTextContent('Answers from: manuals, notes · bm25 · top 8');
  });

  it('detaches all and resets the retrieval to the defaults (null)', async () => {
    const { impl, calls } = docsServer({ ...CONV, collections: [{ id: 2, name: 'notes' }], retrieval: { mode: 'bm25', top_k: 4 } });
    renderPage(<ChatPage />, impl, { path: '/chat/conv-1', patterns: ['/chat', '/chat/:id'] });
    await userEvent.click(await screen.findByRole('button', { name: 'Documents: notes' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByLabelText('Top-k passages')).toHaveValue('4');
    await userEvent.click(await within(dialog).findByRole('checkbox', { name: /notes/ }));
    expect(within(dialog).getByLabelText('Top-k passages')).toBeDisabled();
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ collections: [], retrieval: null }));
    expect(await screen.findByRole('button', { name: 'Documents: none attached' })).toHaveTextContent(/^Documents$/);
  });
});

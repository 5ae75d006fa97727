// A grounded reply in Chat: [n], [1, 3] and [2-3] become buttons opening the passage
// (document, collection, pages, score, cut to fit, text); a number naming no source
// stays text and is flagged; the sources are listed under the reply and the passages
// left out with their reason. A reply without sources shows as before. While a grounded
// reply streams, its [n] link as soon as the stream's start event brings the sources.
import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import ChatPage from './ChatPage';
import { fakeFetch, ev } from '@/test/fakeServer';
import { renderPage, MODELS, ME_NO_AUTH } from '@/test/render';

const source = (number: number, extra = {}) => ({
  number, chunk_id: 10 + number, document_id: 3, document: 'manual.pdf', collection_id: 1, collection: 'manuals', page_start: number, page_end: number,
  heading_path: ['Intro', 'Reading'], score: 0.01639, text: `Passage ${number} text.`, truncated: false, ...extra,
});
const REPLY = {
  id: 2, role: 'assistant', created_at: '', content: 'Use read.csv [1]. Both [1, 3] say so, see [2-3]. Not [9].',
  sources: [source(1), source(2), source(3, { truncated: true })],
  dropped: [{ document: 'manual.pdf', page_start: 8, page_end: 8, score: 0.009, reason: 'needs 300 tokens, 39 left' }, { document: 'old.txt' }],
};
const CONV = {
  id: 'conv-1', title: 'Grounded', model: 'stories260K', system_prompt: '', params: {}, created_at: '', updated_at: '', message_count: 3,
  collections: [{ id: 1, name: 'manuals' }], retrieval: null, own_collection_id: null,
  messages: [{ id: 1, role: 'user', content: 'How do I read CSV?', created_at: '' }, REPLY, { id: 3, role: 'assistant', content: 'Plain [1] reply.', created_at: '' }],
};

function server() {
  return fakeFetch((method, url) => {
    if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
    if (url.endsWith('/models')) return { kind: 'json', body: MODELS };
    if (url.startsWith('/api/v1/conversations?')) return { kind: 'json', body: { conversations: [CONV], total: 1, limit: 200, offset: 0 } };
    if (url === '/api/v1/conversations/conv-1') return { kind: 'json', body: CONV };
    // A reply that stays streaming (no `done`): the sources come with its start event only.
    if (method === 'POST' && url === '/api/v1/conversations/conv-1/messages')
      return {
        kind: 'sse',
        chunks: [
          ev('start', { id: 'gen-2', model: 'stories260K', conversation_id: 'conv-1', message: { id: 4, role: 'user', content: 'Who keeps the light?', created_at: '' }, sources: [source(1, { document: 'keeper.txt' })], dropped: [{ document: 'old.txt', reason: 'below the score cut' }] }),
          ev('text', { text: 'Marta Quill ' }),
          ev('text', { text: 'keeps the light [1].' }),
        ],
        holdOpen: true,
      };
    return { kind: 'json', status: 404, body: { error: { code: 'not_found', message: url } } };
  });
}

describe('a grounded reply in Chat', () => {
  it('links citations, flags unknown ones, lists sources and what was left out', async () => {
    renderPage(<ChatPage />, server().impl, { path: '/chat/conv-1', patterns: ['/chat', '/chat/:id'] });
    const cites = await screen.findAllByTestId('citation');
    expect(cites.map((c) => c.textContent)).toEqual(['1', '1', '3', '2', '3']);
    const reply = screen.getAllByRole('listitem').find((li) => li.getAttribute('data-role') === 'assistant' && li.textContent?.includes('read.csv'))!;
    expect(reply).toHaveTextContent('Use read.csv [1]. Both [1, 3] say so, see [2, 3]. Not [9].');
    expect(within(reply).getByTestId('unknown-citations')).toHaveTextContent('Cites sources that do not exist: [9]');
    expect(within(reply).getAllByTestId('reply-source').map((s) => s.textContent)).toEqual([
      '[1] manual.pdf · manuals · page 1 · 0.0164',
      '[2] manual.pdf · manuals · page 2 · 0.0164',
      '[3] manual.pdf · manuals · page 3 · 0.0164 · cut to fit',
    ]);
    expect(within(reply).getAllByTestId('dropped-reason').map((d) => d.textContent)).toEqual(['Left out: needs 300 tokens, 39 left', 'Left out: did not fit the context budget']);

    await userEvent.click(screen.getAllByRole('button', { name: 'Citation 3: manual.pdf, page 3' })[0]);
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByTestId('source-title')).toHaveTextContent('[3] manual.pdf');
    expect(within(dialog).getByTestId('source-location')).toHaveTextContent('manuals · page 3 · score 0.0164 · cut to fit the context');
    expect(within(dialog).getByText('Intro › Reading')).toBeInTheDocument();
    expect(within(dialog).getByTestId('source-text')).toHaveTextContent('Passage 3 text.');
    await userEvent.keyboard('{Escape}');

    // The reply without sources: no buttons, no list, its [1] is plain text.
    const plain = screen.getAllByRole('listitem').find((li) => li.getAttribute('data-role') === 'assistant' && li.textContent?.includes('Plain'))!;
    expect(within(plain).queryByTestId('citation')).toBeNull();
    expect(within(plain).queryByTestId('unknown-citations')).toBeNull();
  });

  it('links the citations of a reply while it streams, from the sources of its start event', async () => {
    renderPage(<ChatPage />, server().impl, { path: '/chat/conv-1', patterns: ['/chat', '/chat/:id'] });
    await screen.findAllByTestId('citation');
    await userEvent.type(screen.getByLabelText('Message'), 'Who keeps the light?{Enter}');
    const streamingReply = () => screen.getAllByRole('listitem').find((li) => li.getAttribute('data-streaming') === 'true')!;
    await waitFor(() => expect(streamingReply()).toHaveTextContent('Marta Quill keeps the light [1].'));
    // Still streaming: Stop is offered, no `done` came.
    expect(screen.getByRole('button', { name: 'Stop' })).toBeInTheDocument();
    expect(within(streamingReply()).getAllByTestId('reply-source').map((s) => s.textContent)).toEqual(['[1] keeper.txt · manuals · page 1 · 0.0164']);
    expect(within(streamingReply()).getByTestId('dropped-reason')).toHaveTextContent('Left out: below the score cut');

    await userEvent.click(within(streamingReply()).getByRole('button', { name: 'Citation 1: keeper.txt, page 1' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByTestId('source-title')).toHaveTextContent('[1] keeper.txt');
    expect(within(dialog).getByTestId('source-text')).toHaveTextContent('Passage 1 text.');
  });
});

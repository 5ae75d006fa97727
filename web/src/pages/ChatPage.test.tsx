// Chat against a fake server: the first message creates a server-stored
// conversation (reply length from the model's context), the reply streams in,
// and the stored conversation is shown afterwards; a stream error keeps the draft;
// the conversation's settings store only the sampling values the user set.
import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import ChatPage from './ChatPage';
import { fakeFetch, ev } from '@/test/fakeServer';
import { renderPage, MODELS, ME_NO_AUTH } from '@/test/render';

const CONV = { id: 'conv-1', title: 'Hello there', model: 'stories260K', system_prompt: '', params: { max_tokens: 128 }, created_at: '', updated_at: '', message_count: 0 };
const STORED = {
  ...CONV,
  message_count: 2,
  messages: [
    { id: 1, role: 'user', content: 'Hello there', created_at: '' },
    { id: 2, role: 'assistant', content: 'Hi! **A cat** sat.', created_at: '', generation: { generation_id: 'gen-1', finish_reason: 'stop', usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 } } },
  ],
};

function server(fail = false) {
  return fakeFetch((method, url) => {
    if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
    if (url.endsWith('/models')) return { kind: 'json', body: MODELS };
    if (url.startsWith('/api/v1/conversations?')) return { kind: 'json', body: { conversations: [], total: 0, limit: 200, offset: 0 } };
    if (method === 'POST' && url === '/api/v1/conversations') return { kind: 'json', status: 201, body: CONV };
    if (url.endsWith('/messages'))
      return fail
        ? { kind: 'sse', chunks: [ev('start', { id: 'gen-1' }), ev('error', { error: { code: 'generation_failed', message: 'the model failed' } })] }
        : { kind: 'sse', chunks: [ev('start', { id: 'gen-1', message: STORED.messages[0] }), ev('text', { text: 'Hi! ' }), ev('text', { text: '**A cat** sat.' }), ev('done', { reply: STORED.messages[1] })] };
    if (url === '/api/v1/conversations/conv-1') return { kind: 'json', body: fail ? { ...CONV, messages: [] } : STORED };
    return { kind: 'json', status: 404, body: { error: { code: 'not_found', message: url } } };
  });
}

describe('ChatPage', () => {
  it('creates a conversation, streams the reply and shows the stored messages', async () => {
    const { impl, calls } = server();
    renderPage(<ChatPage />, impl, { path: '/chat', patterns: ['/chat', '/chat/:id'] });
    await screen.findByText('stories260K (default)');
    await userEvent.type(screen.getByLabelText('Message'), 'Hello there{Enter}');
    await waitFor(() => expect(screen.getByText('A cat').tagName).toBe('STRONG'));
    const create = calls.find((c) => c.method === 'POST' && c.url === '/api/v1/conversations')!;
    expect(create.body).toMatchObject({ title: 'Hello there', model: 'stories260K', params: { max_tokens: 128 } });
    const send = calls.find((c) => c.url.endsWith('/messages'))!;
    expect(send.body).toMatchObject({ content: 'Hello there', stream: true });
    expect(screen.getByTestId('context-budget')).toHaveTextContent('15 / 512 tokens');
    expect(screen.getByRole('heading', { name: 'Hello there' })).toBeInTheDocument();
  });

  it('shows a failed reply and gives the message back to edit', async () => {
    const { impl } = server(true);
    renderPage(<ChatPage />, impl, { path: '/chat', patterns: ['/chat', '/chat/:id'] });
    await screen.findByText('stories260K (default)');
    await userEvent.type(screen.getByLabelText('Message'), 'Hello there{Enter}');
    await waitFor(() => expect(screen.getByLabelText('Message')).toHaveValue('Hello there'));
    expect(screen.getByText(/the model failed/)).toBeInTheDocument();
  });

  it("stores only the sampling values the user set, showing the model's defaults for the rest", async () => {
    const models = { ...MODELS, models: [{ ...MODELS.models[0], defaults: { temperature: 0.6 } }, MODELS.models[1]] };
    const conv = { ...CONV, params: { max_tokens: 128, top_k: 40 }, messages: [] };
    const { impl, calls } = fakeFetch((method, url, body) => {
      if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
      if (url.endsWith('/models')) return { kind: 'json', body: models };
      if (url.startsWith('/api/v1/conversations?')) return { kind: 'json', body: { conversations: [conv], total: 1, limit: 200, offset: 0 } };
      if (method === 'PATCH') return { kind: 'json', body: { ...conv, ...(body as object) } };
      return { kind: 'json', body: conv };
    });
    renderPage(<ChatPage />, impl, { path: '/chat/conv-1', patterns: ['/chat', '/chat/:id'] });
    await userEvent.click(await screen.findByRole('button', { name: /settings/i }));
    const input = (name: string) => screen.getByLabelText(name, { selector: 'input' });
    await waitFor(() => expect(input('Temperature')).toHaveValue(0.6));
    expect(input('Top K')).toHaveValue(40); // stored: the user's, though equal to the built-in default
    fireEvent.change(input('Temperature'), { target: { value: '0.8' } });
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    const patch = calls.find((c) => c.method === 'PATCH')!;
    expect((patch.body as { params: unknown }).params).toEqual({ max_tokens: 128, top_k: 40, temperature: 0.8 });
  });

  it("shows the stored params short, keeps a seed exact, and does not save a seed above 2^53 - 1", async () => {
    const conv = { ...CONV, params: { max_tokens: 128, temperature: 0.800000011920929, seed: 9007199254740991 }, messages: [] };
    const { impl, calls } = fakeFetch((method, url, body) => {
      if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
      if (url.endsWith('/models')) return { kind: 'json', body: MODELS };
      if (url.startsWith('/api/v1/conversations?')) return { kind: 'json', body: { conversations: [conv], total: 1, limit: 200, offset: 0 } };
      if (method === 'PATCH') return { kind: 'json', body: { ...conv, ...(body as object) } };
      return { kind: 'json', body: conv };
    });
    renderPage(<ChatPage />, impl, { path: '/chat/conv-1', patterns: ['/chat', '/chat/:id'] });
    await userEvent.click(await screen.findByRole('button', { name: /settings/i }));
    const input = (name: string) => screen.getByLabelText(name, { selector: 'input' }) as HTMLInputElement;
    await waitFor(() => expect(input('Temperature').value).toBe('0.8'));
    expect(input('Seed').value).toBe('9007199254740991');
    fireEvent.change(input('Seed'), { target: { value: '9007199254740992' } });
    expect(screen.getByRole('button', { name: 'Save' })).toBeDisabled();
    fireEvent.change(input('Seed'), { target: { value: '12' } });
    await userEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(calls.some((c) => c.method === 'PATCH')).toBe(true));
    expect((calls.find((c) => c.method === 'PATCH')!.body as { params: unknown }).params).toEqual({ max_tokens: 128, temperature: 0.8, seed: 12 });
  });

  it('folds the reasoning above the answer, streamed and stored', async () => {
    const stored = {
      ...STORED,
      messages: [STORED.messages[0], { ...STORED.messages[1], content: '<think>\nThey said hello.\n</think>\n\nHi! **A cat** sat.' }],
    };
    const { impl } = fakeFetch((method, url) => {
      if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
      if (url.endsWith('/models')) return { kind: 'json', body: MODELS };
      if (url.startsWith('/api/v1/conversations?')) return { kind: 'json', body: { conversations: [], total: 0, limit: 200, offset: 0 } };
      if (method === 'POST' && url === '/api/v1/conversations') return { kind: 'json', status: 201, body: CONV };
      if (url.endsWith('/messages'))
        return {
          kind: 'sse',
          delayMs: 30,
          chunks: [ev('start', { id: 'gen-1' }), ev('reasoning', { text: 'They said ' }), ev('reasoning', { text: 'hello.' }), ev('text', { text: 'Hi!' }), ev('done', { reply: stored.messages[1] })],
        };
      return { kind: 'json', body: stored };
    });
    renderPage(<ChatPage />, impl, { path: '/chat', patterns: ['/chat', '/chat/:id'] });
    await screen.findByText('stories260K (default)');
    await userEvent.type(screen.getByLabelText('Message'), 'Hello there{Enter}');
    // While it streams: the reasoning in its own closed disclosure, not in the answer.
    await waitFor(() => expect(screen.getByTestId('reasoning')).toHaveTextContent('They said'));
    await waitFor(() => expect(screen.getByText('A cat').tagName).toBe('STRONG'));
    const details = screen.getByTestId('reasoning');
    expect(details).toHaveTextContent('They said hello.');
    expect(details).not.toHaveAttribute('open');
    expect(screen.queryByText(/<think>/)).not.toBeInTheDocument();
  });
});

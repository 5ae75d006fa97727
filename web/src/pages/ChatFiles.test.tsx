// Files dropped into a chat (a drop event, or the paperclip's picker): each uploaded
// to the conversation's documents route with its progress, a refused file with the
// server's reason, the ingestion followed to its end, and the conversation reloaded
// (its own collection attached). With no conversation open, one is made first.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import ChatPage from './ChatPage';
import { fakeFetch, ev } from '@/test/fakeServer';
import { renderPage, MODELS, ME_NO_AUTH } from '@/test/render';
const CONV = { id: 'conv-1', title: 'Docs chat', model: 'stories260K', system_prompt: '', params: { max_tokens: 128 }, created_at: '', updated_at: '', message_count: 0, messages: [], collections: [], retrieval: null, own_collection_id: null };

const JOB = { id: 'job-1', collection_id: 7, kind: 'ingest', status: 'running', finished: false, files_total: 1, files_done: 0, files_failed: 0, pages: 0, chunks: 0, pages_per_second: null, eta_seconds: null, files: [{ document_id: 5, file_name: 'notes.txt', size_bytes: 5, status: 'parsing', pages: 0, chunks: 0, stage: 'parsing' }] };
const DONE = { ...JOB, status: 'done', finished: true, files_done: 1, chunks: 2, files: [{ ...JOB.files[0], status: 'indexed', stage: undefined, chunks: 2 }] };

// XHR as the browser's: upload progress, then the reply the test's route gives.
const uploads: { url: string; names: string[] }[] = [];
class FakeXhr {
  status = 0;
  responseText = '';
  url = '';
  upload: { onprogress?: (e: { lengthComputable: boolean; loaded: number; total: number }) => void } = {};
  onload?: () => void;
  onerror?: () => void;
  onabort?: () => void;
  open(_method: string, url: string) {
    this.url = url;
  }
  setRequestHeader() {}
  abort() {}
  send(form: FormData) {
    const file = form.get('files') as File;
    uploads.push({ url: this.url, names: [file.name] });
    setTimeout(() => {
      this.upload.onprogress?.({ lengthComputable: true, loaded: 1, total: 2 });
      if (file.name.endsWith('.exe')) {
        this.status = 400;
        this.responseText = JSON.stringify({ job: null, documents: [], refused: [{ file_name: file.name, error: { code: 'unsupported_format', message: 'tool.exe: not a PDF, text or Markdown file' } }] });
      } else {
        this.status = 202;
        this.responseText = JSON.stringify({ job: JOB, documents: [{ id: 5, file_name: file.name }], refused: [] });
      }
      this.onload?.();
    }, 5);
  }
}

function server(withConv: boolean) {
  let uploaded = false;
  const own = { ...CONV, collections: [{ id: 7, name: 'conv-1 files' }], own_collection_id: 7 };
  return fakeFetch((method, url) => {
    if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
    if (url.endsWith('/models')) return { kind: 'json', body: MODELS };
    if (url.startsWith('/api/v1/conversations?')) return { kind: 'json', body: { conversations: withConv ? [CONV] : [], total: 0, limit: 200, offset: 0 } };
    if (method === 'POST' && url === '/api/v1/conversations') return { kind: 'json', status: 201, body: CONV };
    if (url === '/api/v1/ingest/jobs/job-1/events') {
      uploaded = true;
      return { kind: 'sse', chunks: [ev('progress', JOB), ev('done', DONE)], delayMs: 5 };
    }
    if (url === '/api/v1/conversations/conv-1') return { kind: 'json', body: uploaded ? own : CONV };
    return { kind: 'json', status: 404, body: { error: { code: 'not_found', message: url } } };
  });
}

afterEach(() => {
  vi.unstubAllGlobals();
  uploads.length = 0;
});

describe('files dropped into a chat', () => {
  it('uploads dropped files, shows a refused one with its reason, follows the ingestion and reloads the conversation', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    const { impl } = server(true);
    renderPage(<ChatPage />, impl, { path: '/chat/conv-1', patterns: ['/chat', '/chat/:id'] });
    await screen.findByRole('button', { name: 'Documents: none attached' });
    const zone = screen.getByTestId('chat-drop');
    const files = [new File(['hello'], 'notes.txt', { type: 'text/plain' }), new File(['MZ'], 'tool.exe')];
    fireEvent.dragOver(zone, { dataTransfer: { types: ['Files'], files: [] } });
    expect(screen.getByTestId('chat-drop-target')).toHaveTextContent('Drop files to add them to this chat');
    fireEvent.drop(zone, { dataTransfer: { types: ['Files'], files } });
    expect(screen.queryByTestId('chat-drop-target')).not.toBeInTheDocument();
    await waitFor(() => expect(screen.getAllByTestId('upload-row').map((r) => r.getAttribute('data-state'))).toEqual(['accepted', 'failed']));
    expect(screen.getAllByTestId('upload-state')[1]).toHaveTextContent('tool.exe: not a PDF, text or Markdown file');
    expect(uploads.map((u) => u.url)).toEqual(['/api/v1/conversations/conv-1/documents', '/api/v1/conversations/conv-1/documents']);
    await waitFor(() => expect(screen.getByTestId('chat-job')).toHaveAttribute('data-status', 'done'));
    expect(screen.getByTestId('chat-job')).toHaveTextContent('1/1 files · 2 chunks');
    expect(await screen.findByRole('button', { name: 'Documents: files of this chat' })).toHaveTextContent('Documents (1)');
  });

  it('makes the conversation first when files are picked in a new chat', async () => {
    vi.stubGlobal('XMLHttpRequest', FakeXhr);
    const { impl, calls } = server(false);
    renderPage(<ChatPage />, impl, { path: '/chat', patterns: ['/chat', '/chat/:id'] });
    await screen.findByText('stories260K (default)');
    await userEvent.upload(screen.getByTestId('chat-file-input'), new File(['hello'], 'notes.txt', { type: 'text/plain' }));
    await waitFor(() => expect(uploads.map((u) => u.url)).toEqual(['/api/v1/conversations/conv-1/documents']));
    expect(calls.find((c) => c.method === 'POST' && c.url === '/api/v1/conversations')?.body).toMatchObject({ model: 'stories260K' });
    expect(await screen.findByRole('button', { name: 'Documents: files of this chat' })).toBeInTheDocument();
  });
});

// The API client: URLs from the route table, the bearer token, JSON errors as
// ApiError, non-JSON errors, SSE streams (events in order, `error` events,
// abort mid-stream) and 401 handling.
import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, isAbort, parseMemoryMetrics } from './api';
import { fakeFetch, ev } from '@/test/fakeServer';

describe('ApiClient', () => {
  it('sends JSON with the token and parses the reply', async () => {
    const { impl, calls } = fakeFetch(() => ({ kind: 'json', body: { default: 'm', models: [] } }));
    const api = new ApiClient({ fetchImpl: impl, getToken: () => 'tok' });
    const r = await api.models();
    expect(r.default).toBe('m');
    expect(calls[0].url).toBe('/api/v1/models');
    expect(calls[0].headers.Authorization).toBe('Bearer tok');
  });

  it('turns an error body into ApiError with status, code and message', async () => {
    const { impl } = fakeFetch(() => ({
      kind: 'json',
      status: 404,
      body: { error: { code: 'conversation_not_found', message: "no conversation 'x'" } },
    }));
    const api = new ApiClient({ fetchImpl: impl });
    const err = await api.conversation('x').catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 404, code: 'conversation_not_found', message: "no conversation 'x'" });
    expect(err.routeMissing).toBe(false);
  });

  it('names a missing route as such, and copes with a reply that is not JSON', async () => {
    const { impl } = fakeFetch((_m, url) =>
      url.includes('load') ? { kind: 'json', status: 404, body: { error: { code: 'not_found', message: 'no route' } } } : { kind: 'text', status: 502, body: '<html>Bad gateway</html>' },
    );
    const api = new ApiClient({ fetchImpl: impl });
    expect(((await api.loadModel("m").catch((e) => e)) as ApiError).routeMissing).toBe(true);
    const err = await api.models().catch((e) => e);
    expect(err).toMatchObject({ status: 502, code: 'http_error' });
    expect(err.message).toContain('Bad gateway');
  });

  it('encodes path parameters', () => {
    const api = new ApiClient();
    expect(api.url('conversation', { id: 'a/../b' })).toBe('/api/v1/conversations/a%2F..%2Fb');
    expect(api.url('exportConversation', { id: 'c1' }, { format: 'markdown' })).toBe('/api/v1/conversations/c1/export?format=markdown');
  });

  it('calls onUnauthorized on 401', async () => {
    const { impl } = fakeFetch(() => ({ kind: 'json', status: 401, body: { error: { code: 'unauthorized', message: 'authentication required' } } }));
    const onUnauthorized = vi.fn();
    const api = new ApiClient({ fetchImpl: impl, onUnauthorized });
    await expect(api.me()).rejects.toBeInstanceOf(ApiError);
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it('streams generation events in order with stream: true in the body', async () => {
    const { impl, calls } = fakeFetch(() => ({
      kind: 'sse',
      chunks: [ev('start', { id: 'gen-1' }), ': keep-alive\n\n', ev('text', { text: 'Once' }), ev('text', { text: ' upon' }), ev('done', { text: 'Once upon', finish_reason: 'length' })],
    }));
    const api = new ApiClient({ fetchImpl: impl });
    const seen: [string, unknown][] = [];
    await api.generate({ prompt: 'x' }, { onEvent: (e, d) => seen.push([e, d]) });
    expect(calls[0].body).toMatchObject({ prompt: 'x', stream: true });
    expect(seen.map(([e]) => e)).toEqual(['start', 'text', 'text', 'done']);
    expect(seen[3][1]).toMatchObject({ finish_reason: 'length' });
  });

  it('rejects with the error of an `error` event', async () => {
    const { impl } = fakeFetch(() => ({
      kind: 'sse',
      chunks: [ev('start', { id: 'gen-2' }), ev('error', { error: { code: 'generation_failed', message: 'the model failed' } })],
    }));
    const api = new ApiClient({ fetchImpl: impl });
    const texts: string[] = [];
    const err = await api.generate({ prompt: 'x' }, { onEvent: (e) => texts.push(e) }).catch((e) => e);
    expect(err).toMatchObject({ code: 'generation_failed', message: 'the model failed' });
    expect(texts).toEqual(['start']);
  });

  it('rejects a stream request refused before it started (e.g. 400) with its error', async () => {
    const { impl } = fakeFetch(() => ({ kind: 'json', status: 400, body: { error: { code: 'invalid_field', message: "field 'temperature' is 9" } } }));
    const api = new ApiClient({ fetchImpl: impl });
    await expect(api.generate({ temperature: 9 }, { onEvent: () => undefined })).rejects.toMatchObject({ status: 400, code: 'invalid_field' });
  });

  it('aborts mid-stream: events so far delivered, then AbortError', async () => {
    const { impl } = fakeFetch(() => ({ kind: 'sse', chunks: [ev('start', { id: 'gen-3' }), ev('text', { text: 'a' }), ev('text', { text: 'b' })], holdOpen: true, delayMs: 2 }));
    const api = new ApiClient({ fetchImpl: impl });
    const controller = new AbortController();
    const seen: string[] = [];
    const err = await api
      .generate(
        { prompt: 'x' },
        {
          onEvent: (e, d) => {
            seen.push(e === 'text' ? (d as { text: string }).text : e);
            if (seen.length === 3) controller.abort();
          },
        },
        controller.signal,
      )
      .catch((e) => e);
    expect(isAbort(err)).toBe(true);
    expect(seen).toEqual(['start', 'a', 'b']);
  });
});

describe('parseMemoryMetrics', () => {
  it('reads weight bytes per model and the resident memory', () => {
    const text = '# HELP x\nplayground_model_weight_bytes{model="stories260K"} 1040000\nplayground_model_weight_bytes{model="a\\"b"} 5\nplayground_process_resident_memory_bytes 123456\n';
    expect(parseMemoryMetrics(text)).toEqual({ weights: { stories260K: 1040000, 'a"b': 5 }, residentBytes: 123456 });
  });
});

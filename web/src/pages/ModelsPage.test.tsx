// The Models page lists metadata and says plainly that model management is not
// available when the server's OpenAPI document lacks those routes (no fake buttons).
import { describe, expect, it } from 'vitest';
import { screen, waitFor, within } from '@testing-library/react';
import ModelsPage from './ModelsPage';
import userEvent from '@testing-library/user-event';
import { fakeFetch, ev } from '@/test/fakeServer';
import { renderPage, MODELS, ME_NO_AUTH } from '@/test/render';

describe('ModelsPage', () => {
  it('shows metadata and a not-available state without management routes', async () => {
    const { impl } = fakeFetch((_method, url) => {
      if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
      if (url.endsWith('/openapi.json')) return { kind: 'json', body: { paths: { '/api/v1/models': { get: {} } } } };
      return { kind: 'json', body: MODELS };
    });
    renderPage(<ModelsPage />, impl);
    const rows = await screen.findAllByTestId('model-row');
    expect(rows).toHaveLength(2);
    expect(rows[0]).toHaveTextContent('llama');
    expect(rows[0]).toHaveTextContent('260.0K');
    expect(rows[0]).toHaveTextContent('F32');
    expect(rows[0]).toHaveTextContent('512');
    await waitFor(() => expect(screen.getAllByText(/not available on this server/).length).toBeGreaterThanOrEqual(2));
    expect(screen.getAllByRole('button', { name: /unload|load/i }).every((b) => (b as HTMLButtonElement).disabled)).toBe(true);
    expect(screen.getByRole('button', { name: /search/i })).toBeDisabled();
  });

  it('enables load when the server has the route', async () => {
    const { impl } = fakeFetch((_method, url) => {
      if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
      if (url.endsWith('/openapi.json')) return { kind: 'json', body: { paths: { '/api/v1/models/{name}/load': { post: {} } } } };
      return { kind: 'json', body: MODELS };
    });
    renderPage(<ModelsPage />, impl);
    await waitFor(() => expect(screen.getByRole('button', { name: 'Load' })).toBeEnabled());
  });
});

describe('ModelsPage details', () => {
  it('opens a model\'s details with its fit before loading', async () => {
    const { impl, calls } = fakeFetch((_method, url) => {
      if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
      if (url.endsWith('/openapi.json'))
        return { kind: 'json', body: { paths: { '/api/v1/models': { get: {} }, '/api/v1/models/{name}': { get: {} } } } };
      if (url.includes('/api/v1/models/other'))
        return {
          kind: 'json',
          body: {
            name: 'other',
            architecture: 'qwen3',
            license: 'mit',
            memory_estimate: {
              required_bytes: 3 * 1024 ** 3, weights_bytes: 2 * 1024 ** 3, kv_cache_bytes: 1024 ** 3, context_length: 4096, slots: 4,
              limit_bytes: 2 * 1024 ** 3, limit_source: 'memory_budget', other_models_bytes: 0, fits: false, fits_without_unloading: false,
            },
          },
        };
      return { kind: 'json', body: MODELS };
    });
    renderPage(<ModelsPage />, impl);
    const details = await screen.findByRole('button', { name: 'Details of other' });
    expect(screen.queryByTestId('model-details')).toBeNull();
    await userEvent.click(details);
    expect(await screen.findByTestId('fit-verdict')).toHaveTextContent('Does not fit: needs 3.0 GiB');
    expect(screen.getByTestId('model-details')).toHaveTextContent('mit');
    expect(calls.some((c) => c.url.endsWith('/api/v1/models/other'))).toBe(true);
    await userEvent.click(details);
    expect(screen.queryByTestId('model-details')).toBeNull();
  });
});

describe('ModelsPage with model management', () => {
  it('searches the catalog, downloads with live progress and shows the result', async () => {
    const job = { id: 'pull-1', reference: 'hf.co/o/r:Q4_K_M', model: null, state: 'running', error: null, progress: { status: 'downloading', completed_bytes: 0, total_bytes: 1000 } };
    const { impl, calls } = fakeFetch((method, url) => {
      if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
      if (url.endsWith('/openapi.json'))
        return { kind: 'json', body: { paths: { '/api/v1/models/search': { get: {} }, '/api/v1/models/pull': { post: {} }, '/api/v1/models/pulls': { get: {} } } } };
      if (url.startsWith('/api/v1/models/search')) return { kind: 'json', body: { results: [{ id: 'o/r', downloads: 1200, pull: 'hf.co/o/r:Q4_K_M' }] } };
      if (url === '/api/v1/models/pulls') return { kind: 'json', body: { pulls: [] } };
      if (method === 'POST' && url === '/api/v1/models/pull') return { kind: 'json', status: 202, body: job };
      if (url.endsWith('/pull/pull-1/events'))
        return {
          kind: 'sse',
          chunks: [
            ev('progress', { ...job, progress: { status: 'downloading', completed_bytes: 500, total_bytes: 1000, bytes_per_second: 100 } }),
            ev('done', { ...job, state: 'success', model: 'r-Q4_K_M', progress: { completed_bytes: 1000, total_bytes: 1000 } }),
          ],
          delayMs: 5,
        };
      return { kind: 'json', body: MODELS };
    });
    renderPage(<ModelsPage />, impl);
    await waitFor(() => expect(screen.getByLabelText('Search the catalog')).toBeEnabled());
    await userEvent.type(screen.getByLabelText('Search the catalog'), 'qwen{Enter}');
    const results = await screen.findByRole('list', { name: 'Search results' });
    await userEvent.click(within(results).getByRole('button', { name: /download/i }));
    await waitFor(() => expect(screen.getByTestId('pull')).toHaveTextContent('success'));
    expect(calls.find((c) => c.url.startsWith('/api/v1/models/search'))!.url).toBe('/api/v1/models/search?q=qwen&limit=20');
    expect(calls.find((c) => c.method === 'POST' && c.url === '/api/v1/models/pull')!.body).toEqual({ model: 'hf.co/o/r:Q4_K_M' });
  });
});

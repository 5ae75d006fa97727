// The Models page lists metadata and says plainly that model management is not
// available when the server's OpenAPI document lacks those routes (no fake buttons).
import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import ModelsPage from './ModelsPage';
import { fakeFetch } from '@/test/fakeServer';
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
      if (url.endsWith('/openapi.json')) return { kind: 'json', body: { paths: { '/api/v1/models/{id}/load': { post: {} } } } };
      return { kind: 'json', body: MODELS };
    });
    renderPage(<ModelsPage />, impl);
    await waitFor(() => expect(screen.getByRole('button', { name: 'Load' })).toBeEnabled());
  });
});

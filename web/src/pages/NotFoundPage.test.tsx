// An unknown URL shows a not-found page (inside the app's frame), not the Playground.
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import { AppRoutes } from '@/App';
import { SessionProvider } from '@/lib/session';
import { PlaygroundStateProvider } from '@/lib/playgroundState';
import { ApiClient } from '@/lib/api';
import { fakeFetch } from '@/test/fakeServer';
import { MODELS, ME_NO_AUTH } from '@/test/render';

describe('unknown paths', () => {
  it('show a not-found page with the path and links to the pages', async () => {
    const { impl } = fakeFetch((_m, url) => ({ kind: 'json', body: url.endsWith('/models') ? MODELS : ME_NO_AUTH }));
    render(
      <SessionProvider client={new ApiClient({ fetchImpl: impl })}>
        <PlaygroundStateProvider>
          <MemoryRouter initialEntries={['/no/such/page']}>
            <AppRoutes />
          </MemoryRouter>
        </PlaygroundStateProvider>
      </SessionProvider>,
    );
    expect(await screen.findByRole('heading', { name: 'Page not found' }, { timeout: 5000 })).toBeInTheDocument();
    expect(screen.getByTestId('not-found')).toHaveTextContent('/no/such/page');
    expect(screen.getByRole('navigation', { name: 'Pages of the app' })).toBeInTheDocument();
    expect(screen.queryByRole('heading', { name: 'Playground' })).toBeNull();
  });
});

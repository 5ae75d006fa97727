// Renders a page as the app does (session with a given ApiClient, the app's
// Playground state, router at a path).
import { render } from '@testing-library/react';
import { MemoryRouter, Route, Routes } from 'react-router-dom';
import type { ReactElement } from 'react';
import { SessionProvider } from '@/lib/session';
import { PlaygroundStateProvider } from '@/lib/playgroundState';
import { ApiClient } from '@/lib/api';
import { TooltipProvider } from '@/components/ui/tooltip';

export function renderPage(page: ReactElement, fetchImpl: typeof fetch, { path = '/', patterns = ['/'] } = {}) {
  const client = new ApiClient({ fetchImpl });
  return render(
    <SessionProvider client={client}>
      <PlaygroundStateProvider>
        <TooltipProvider>
          <MemoryRouter initialEntries={[path]}>
            <Routes>
              {patterns.map((p) => (
                <Route key={p} path={p} element={page} />
              ))}
            </Routes>
          </MemoryRouter>
        </TooltipProvider>
      </PlaygroundStateProvider>
    </SessionProvider>,
  );
}

export const MODELS = {
  default: 'stories260K',
  models: [
    { name: 'stories260K', file: 'stories260K.gguf', size_bytes: 1054208, modified_at: '', default: true, loaded: true, architecture: 'llama', parameters: 260032, quantization: 'F32', context_length: 512, slots: 4 },
    { name: 'other', file: 'other.gguf', size_bytes: 2048, modified_at: '', default: false, loaded: false },
  ],
};
export const ME_NO_AUTH = { auth: false, method: 'none', user: null };

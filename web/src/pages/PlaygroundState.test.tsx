// The Playground keeps its prompt, model, parameters and output while other
// pages are shown (the state lives in the app), remembers its settings — not
// its output — across a reload, and takes a seed digit for digit (one above
// 2^53 - 1 is flagged and not sent).
import { describe, expect, it } from 'vitest';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Link, MemoryRouter, Route, Routes } from 'react-router-dom';
import PlaygroundPage from './PlaygroundPage';
import { SessionProvider } from '@/lib/session';
import { PlaygroundStateProvider } from '@/lib/playgroundState';
import { ApiClient } from '@/lib/api';
import { TooltipProvider } from '@/components/ui/tooltip';
import { fakeFetch, ev } from '@/test/fakeServer';
import { MODELS, ME_NO_AUTH } from '@/test/render';

const SEED = 9007199254740991;
const DONE = {
  id: 'gen-1', text: 'Once there was a cat', finish_reason: 'length', seed: SEED,
  usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 }, timings: {},
};

function server() {
  return fakeFetch((_method, url) => {
    if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
    if (url.endsWith('/models')) return { kind: 'json', body: MODELS };
    return { kind: 'sse', chunks: [ev('start', { id: 'gen-1' }), ev('text', { text: 'Once there was a cat' }), ev('done', DONE)] };
  });
}

// The app's frame: the provider above the routes, links to switch pages.
function app(impl: typeof fetch) {
  return (
    <SessionProvider client={new ApiClient({ fetchImpl: impl })}>
      <PlaygroundStateProvider>
        <TooltipProvider>
          <MemoryRouter initialEntries={['/']}>
            <Link to="/">to playground</Link>
            <Link to="/other">to other</Link>
            <Routes>
              <Route path="/" element={<PlaygroundPage />} />
              <Route path="/other" element={<p>Other page</p>} />
            </Routes>
          </MemoryRouter>
        </TooltipProvider>
      </PlaygroundStateProvider>
    </SessionProvider>
  );
}

const field = (name: string) => screen.getByLabelText(name, { selector: 'input,textarea' });

describe('Playground state', () => {
  it('keeps prompt, parameters and output when another page is shown', async () => {
    const { impl } = server();
    render(app(impl));
    const generate = await screen.findByRole('button', { name: /^generate$/i });
    await waitFor(() => expect(generate).toBeEnabled());
    fireEvent.change(field('Prompt'), { target: { value: 'A dragon' } });
    fireEvent.change(field('System prompt'), { target: { value: 'Be brief.' } });
    fireEvent.change(field('Temperature'), { target: { value: '0.3' } });
    await userEvent.click(generate);
    await waitFor(() => expect(screen.getByTestId('output')).toHaveTextContent('Once there was a cat'));
    await userEvent.click(screen.getByRole('link', { name: 'to other' }));
    await screen.findByText('Other page');
    await userEvent.click(screen.getByRole('link', { name: 'to playground' }));
    await waitFor(() => expect(field('Prompt')).toHaveValue('A dragon'));
    expect(field('System prompt')).toHaveValue('Be brief.');
    expect(field('Temperature')).toHaveValue(0.3);
    expect(screen.getByTestId('output')).toHaveTextContent('Once there was a cat');
    expect(screen.getByTestId('generation-status')).toHaveTextContent(`Done (seed ${SEED})`);
  });

  it('remembers the settings across a reload, not the output', async () => {
    const { impl } = server();
    const first = render(app(impl));
    const generate = await screen.findByRole('button', { name: /^generate$/i });
    await waitFor(() => expect(generate).toBeEnabled());
    fireEvent.change(field('Prompt'), { target: { value: 'A dragon' } });
    fireEvent.change(field('System prompt'), { target: { value: 'Be brief.' } });
    fireEvent.change(field('Temperature'), { target: { value: '0.3' } });
    fireEvent.change(field('Max tokens'), { target: { value: '40' } });
    fireEvent.change(field('Seed'), { target: { value: '123' } });
    await userEvent.click(generate);
    await waitFor(() => expect(screen.getByTestId('output')).toHaveTextContent('Once there was a cat'));
    first.unmount();

    const { impl: impl2, calls } = server();
    render(app(impl2));
    await waitFor(() => expect(field('Prompt')).toHaveValue('A dragon'));
    expect(field('System prompt')).toHaveValue('Be brief.');
    expect(field('Temperature')).toHaveValue(0.3);
    expect(field('Max tokens')).toHaveValue(40);
    expect(field('Seed')).toHaveValue('123');
    expect(screen.getByTestId('output')).not.toHaveTextContent('Once there was a cat');
    const generate2 = screen.getByRole('button', { name: /^generate$/i });
    await waitFor(() => expect(generate2).toBeEnabled());
    await userEvent.click(generate2);
    await waitFor(() => expect(calls.some((c) => c.url.endsWith('/models/generate'))).toBe(true));
    expect(calls.find((c) => c.url.endsWith('/models/generate'))!.body).toMatchObject({
      model: 'stories260K', prompt: 'A dragon', system_prompt: 'Be brief.', temperature: 0.3, max_tokens: 40, seed: 123,
    });
  });

  it('sends the seed digit for digit and holds back one above 2^53 - 1', async () => {
    const { impl, calls } = server();
    render(app(impl));
    const generate = await screen.findByRole('button', { name: /^generate$/i });
    await waitFor(() => expect(generate).toBeEnabled());
    fireEvent.change(field('Seed'), { target: { value: '9007199254740992' } });
    expect(screen.getByTestId('seed-problem')).toHaveTextContent('9007199254740991');
    expect(field('Seed')).toHaveValue('9007199254740992'); // kept as typed, not rounded
    expect(generate).toBeDisabled();
    fireEvent.change(field('Seed'), { target: { value: '9007199254740991' } });
    expect(screen.queryByTestId('seed-problem')).toBeNull();
    await waitFor(() => expect(generate).toBeEnabled());
    await userEvent.click(generate);
    await waitFor(() => expect(screen.getByTestId('generation-status')).toHaveTextContent('Done (seed 9007199254740991).'));
    const sent = calls.find((c) => c.url.endsWith('/models/generate'))!;
    expect(sent.body).toMatchObject({ seed: SEED });
  });
});

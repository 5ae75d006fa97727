// The Playground against a fake server: text streams into the output with the
// figures of the run; Stop calls the cancel route with the generation's id and
// keeps the text; a refused request shows the server's message; the sampling
// controls start from the model's own defaults, follow the model picked, and
// a request carries exactly the values the user set.
import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import PlaygroundPage from './PlaygroundPage';
import { fakeFetch, ev } from '@/test/fakeServer';
import { renderPage, MODELS, ME_NO_AUTH } from '@/test/render';

const DONE = {
  id: 'gen-1', text: 'Once there was a cat', finish_reason: 'length', seed: 7,
  usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 },
  timings: { time_to_first_token_ms: 3.5, generation_tokens_per_second: 1234.5 },
};

describe('PlaygroundPage', () => {
  it('streams the text and shows tokens, first token time and tokens/s', async () => {
    const { impl, calls } = fakeFetch((_method, url) => {
      if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
      if (url.endsWith('/models')) return { kind: 'json', body: MODELS };
      return { kind: 'sse', chunks: [ev('start', { id: 'gen-1' }), ev('text', { text: 'Once there' }), ev('text', { text: ' was a cat' }), ev('done', DONE)] };
    });
    renderPage(<PlaygroundPage />, impl);
    const button = await screen.findByRole('button', { name: /^generate$/i });
    await waitFor(() => expect(button).toBeEnabled());
    await userEvent.click(button);
    await waitFor(() => expect(screen.getByTestId('output')).toHaveTextContent('Once there was a cat'));
    await waitFor(() => expect(screen.getByTestId('generation-status')).toHaveTextContent('Done (seed 7)'));
    const stats = screen.getByTestId('generation-stats');
    expect(stats).toHaveTextContent('1234.5');
    expect(stats).toHaveTextContent('3.5 ms');
    expect(stats).toHaveTextContent('length');
    const gen = calls.find((c) => c.url.endsWith('/models/generate'))!;
    expect(gen.body).toMatchObject({ model: 'stories260K', prompt: 'Once upon a time', stream: true, max_tokens: 256 });
  });

  it('stops mid-stream through the cancel route and keeps the text', async () => {
    const { impl, calls } = fakeFetch((_method, url) => {
      if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
      if (url.endsWith('/models')) return { kind: 'json', body: MODELS };
      if (url.includes('/cancel')) return { kind: 'json', body: { id: 'gen-9', cancelled: true } };
      return { kind: 'sse', chunks: [ev('start', { id: 'gen-9' }), ev('text', { text: 'partial' })], holdOpen: true };
    });
    renderPage(<PlaygroundPage />, impl);
    const button = await screen.findByRole('button', { name: /^generate$/i });
    await waitFor(() => expect(button).toBeEnabled());
    await userEvent.click(button);
    await waitFor(() => expect(screen.getByTestId('output')).toHaveTextContent('partial'));
    await userEvent.click(screen.getByRole('button', { name: /stop/i }));
    await waitFor(() => expect(calls.some((c) => c.url === '/api/v1/generations/gen-9/cancel' && c.method === 'POST')).toBe(true));
    await waitFor(() => expect(screen.getByTestId('generation-status')).toHaveTextContent('Stopped.'), { timeout: 3000 });
    expect(screen.getByTestId('output')).toHaveTextContent('partial');
    expect(screen.getByRole('button', { name: /^generate$/i })).toBeInTheDocument();
  });

  it("shows the server's error when the request is refused", async () => {
    const { impl } = fakeFetch((_method, url) => {
      if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
      if (url.endsWith('/models')) return { kind: 'json', body: MODELS };
      return { kind: 'json', status: 429, body: { error: { code: 'queue_full', message: 'all slots are busy' } } };
    });
    renderPage(<PlaygroundPage />, impl);
    const button = await screen.findByRole('button', { name: /^generate$/i });
    await waitFor(() => expect(button).toBeEnabled());
    await userEvent.click(button);
    expect(await screen.findByRole('alert')).toHaveTextContent('all slots are busy (429 queue_full)');
  });

  it('labels every sampling control', async () => {
    const { impl } = fakeFetch((_method, url) => ({ kind: 'json', body: url.endsWith('/models') ? MODELS : ME_NO_AUTH }));
    renderPage(<PlaygroundPage />, impl);
    for (const name of ['Temperature', 'Top P', 'Top K', 'Min P', 'Repeat penalty', 'Max tokens', 'Seed', 'Stop sequences', 'Prompt', 'System prompt'])
      expect(screen.getByLabelText(name, { selector: 'input,textarea' })).toBeInTheDocument();
  });

  describe('sampling settings', () => {
    // stories260K (the default) says temperature 0.6 and top_k 20; "other" says nothing.
    const WITH_DEFAULTS = { ...MODELS, models: [{ ...MODELS.models[0], defaults: { temperature: 0.6, top_k: 20 } }, MODELS.models[1]] };
    function server() {
      return fakeFetch((_method, url) => {
        if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
        if (url.endsWith('/models')) return { kind: 'json', body: WITH_DEFAULTS };
        return { kind: 'sse', chunks: [ev('start', { id: 'gen-1' }), ev('done', DONE)] };
      });
    }
    const input = (name: string) => screen.getByLabelText(name, { selector: 'input' });
    async function generateAndGetBody(calls: ReturnType<typeof fakeFetch>['calls']) {
      const before = calls.length;
      await userEvent.click(screen.getByRole('button', { name: /^generate$/i }));
      await waitFor(() => expect(screen.getByTestId('generation-status')).toHaveTextContent('Done'));
      return calls.slice(before).find((c) => c.url.endsWith('/models/generate'))!.body as Record<string, unknown>;
    }

    it("starts from the model's defaults and sends none of them", async () => {
      const { impl, calls } = server();
      renderPage(<PlaygroundPage />, impl);
      await waitFor(() => expect(input('Temperature')).toHaveValue(0.6));
      expect(input('Top K')).toHaveValue(20);
      expect(input('Top P')).toHaveValue(0.95); // not the model's: the built-in default
      await waitFor(() => expect(screen.getByRole('button', { name: /^generate$/i })).toBeEnabled());
      const body = await generateAndGetBody(calls);
      expect(body).toEqual({ model: 'stories260K', prompt: 'Once upon a time', stream: true, max_tokens: 256 });
    });

    it('sends a value the user set even when it equals a default, until it is reset', async () => {
      const { impl, calls } = server();
      renderPage(<PlaygroundPage />, impl);
      await waitFor(() => expect(input('Temperature')).toHaveValue(0.6));
      fireEvent.change(input('Temperature'), { target: { value: '0.8' } }); // the built-in default
      // The model's default, typed over itself (the field shows 20 already).
      for (const typed of ['2', '20']) fireEvent.change(input('Top K'), { target: { value: typed } });
      await waitFor(() => expect(screen.getByRole('button', { name: /^generate$/i })).toBeEnabled());
      expect(await generateAndGetBody(calls)).toMatchObject({ temperature: 0.8, top_k: 20 });
      await userEvent.click(screen.getByRole('button', { name: 'Reset Temperature to the default' }));
      expect(input('Temperature')).toHaveValue(0.6);
      const after = await generateAndGetBody(calls);
      expect(after).not.toHaveProperty('temperature');
      expect(after).toMatchObject({ top_k: 20 });
    });

    it("shows the new model's defaults for unset fields when the model changes, keeping what the user set", async () => {
      const { impl, calls } = server();
      renderPage(<PlaygroundPage />, impl);
      await waitFor(() => expect(input('Temperature')).toHaveValue(0.6));
      fireEvent.change(input('Min P'), { target: { value: '0.1' } });
      await userEvent.click(screen.getByRole('combobox', { name: 'Model' }));
      await userEvent.click(await screen.findByRole('option', { name: 'other' }));
      await waitFor(() => expect(input('Temperature')).toHaveValue(0.8));
      expect(input('Top K')).toHaveValue(40);
      expect(input('Min P')).toHaveValue(0.1);
      const body = await generateAndGetBody(calls);
      expect(body).toEqual({ model: 'other', prompt: 'Once upon a time', stream: true, max_tokens: 256, min_p: 0.1 });
    });
  });
});

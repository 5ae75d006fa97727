// Compare caps max tokens at each model's context (the models list reports it)
// and sends the seed as typed.
import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import ComparePage from './ComparePage';
import { fakeFetch, ev } from '@/test/fakeServer';
import { renderPage, MODELS, ME_NO_AUTH } from '@/test/render';

const DONE = { id: 'g', text: 'x', finish_reason: 'length', seed: 1, usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 }, timings: {} };

describe('ComparePage', () => {
  it("caps max tokens at each model's context length", async () => {
    // stories260K is loaded with a 512-token context; "other" is not loaded and reports its training context only.
    const models = { ...MODELS, models: [MODELS.models[0], { ...MODELS.models[1], training_context_length: 2048 }] };
    const { impl, calls } = fakeFetch((_m, url) => {
      if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
      if (url.endsWith('/models')) return { kind: 'json', body: models };
      return { kind: 'sse', chunks: [ev('start', { id: 'g' }), ev('done', DONE)] };
    });
    renderPage(<ComparePage />, impl, { path: '/compare', patterns: ['/compare'] });
    const run = await screen.findByRole('button', { name: /Run on 2 models/ });
    await waitFor(() => expect(run).toBeEnabled());
    fireEvent.change(screen.getByLabelText('Max tokens'), { target: { value: '4096' } });
    fireEvent.change(screen.getByLabelText('Seed'), { target: { value: '9007199254740991' } });
    await userEvent.click(run);
    await waitFor(() => expect(calls.filter((c) => c.url.endsWith('/models/generate'))).toHaveLength(2));
    const bodies = calls.filter((c) => c.url.endsWith('/models/generate')).map((c) => c.body as Record<string, unknown>);
    expect(bodies.find((b) => b.model === 'stories260K')).toMatchObject({ max_tokens: 512, seed: 9007199254740991 });
    expect(bodies.find((b) => b.model === 'other')).toMatchObject({ max_tokens: 2048 });
    expect(screen.getByTestId('compare-column-0')).toHaveTextContent("Max tokens 512: this model's context.");
  });

  it('holds back a seed above 2^53 - 1', async () => {
    const { impl } = fakeFetch((_m, url) => ({ kind: 'json', body: url.endsWith('/models') ? MODELS : ME_NO_AUTH }));
    renderPage(<ComparePage />, impl, { path: '/compare', patterns: ['/compare'] });
    const run = await screen.findByRole('button', { name: /Run on 2 models/ });
    await waitFor(() => expect(run).toBeEnabled());
    fireEvent.change(screen.getByLabelText('Seed'), { target: { value: '9007199254740993' } });
    expect(screen.getByTestId('seed-problem')).toBeInTheDocument();
    expect(run).toBeDisabled();
  });
});

// A model's details: metadata, license, template, and whether it fits at the
// context the user types (asked from the server with ?context_length=N).
import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { fakeFetch } from '@/test/fakeServer';
import { renderPage, ME_NO_AUTH } from '@/test/render';
import { ModelDetails, fitVerdict, type MemoryEstimate } from './ModelDetails';

const GiB = 1024 ** 3;

function estimate(context: number): MemoryEstimate {
  const kv = context * 1024 * 1024;  // 1 MiB per token: 2k fits, 16k only after unloading, 64k never
  return {
    required_bytes: 4 * GiB + kv,
    weights_bytes: 4 * GiB,
    kv_cache_bytes: kv,
    context_length: context,
    slots: 4,
    limit_bytes: 24 * GiB,
    limit_source: 'memory_budget',
    other_models_bytes: 6 * GiB,
    fits: 4 * GiB + kv <= 24 * GiB,
    fits_without_unloading: 4 * GiB + kv + 6 * GiB <= 24 * GiB,
  };
}

describe('fitVerdict', () => {
  it('says fits, fits after unloading, or does not fit, with the sizes', () => {
    expect(fitVerdict(estimate(2048))).toEqual({ tone: 'ok', text: 'Fits: needs 6.0 GiB of the memory budget (24 GiB)' });
    expect(fitVerdict(estimate(16384)).tone).toBe('warn');
    expect(fitVerdict(estimate(16384)).text).toMatch(/after idle models are unloaded.*other models hold 6\.0 GiB/);
    expect(fitVerdict(estimate(65536))).toEqual({
      tone: 'bad',
      text: 'Does not fit: needs 68 GiB, more than the memory budget (24 GiB)',
    });
    expect(fitVerdict({ ...estimate(2048), limit_source: 'physical_memory' }).text).toMatch(/this machine's memory/);
    const { fits: _f, limit_bytes: _l, ...unknown } = estimate(2048);
    expect(fitVerdict(unknown).text).toMatch(/does not say whether it fits/);
  });
});

describe('ModelDetails', () => {
  it('shows the metadata and asks again at the context the user types', async () => {
    const asked: string[] = [];
    const { impl } = fakeFetch((_method, url) => {
      if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
      const u = new URL(url, 'http://x');
      asked.push(u.pathname + u.search);
      const context = Number(u.searchParams.get('context_length') ?? 2048);
      return {
        kind: 'json',
        body: {
          name: 'qwen',
          file: 'qwen.gguf',
          size_bytes: 4 * GiB,
          architecture: 'qwen3',
          parameters: 4.02e9,
          quantization: 'Q4_K',
          training_context_length: 40960,
          license: 'apache-2.0',
          chat_template: '{% for m in messages %}{{ m.content }}{% endfor %}',
          defaults: { temperature: 0.6 },
          memory_estimate: estimate(context),
        },
      };
    });
    renderPage(<ModelDetails name="qwen" />, impl);
    const box = await screen.findByTestId('model-details');
    expect(box).toHaveTextContent('qwen3');
    expect(box).toHaveTextContent('4.0B');
    expect(box).toHaveTextContent('Q4_K');
    expect(box).toHaveTextContent('40960 tokens');
    expect(box).toHaveTextContent('apache-2.0');
    expect(box).toHaveTextContent('temperature 0.6');
    expect(screen.getByTestId('chat-template')).toHaveTextContent('{% for m in messages %}');
    expect(screen.getByTestId('fit-verdict')).toHaveTextContent('Fits: needs 6.0 GiB');
    expect(asked[0]).toBe('/api/v1/models/qwen');

    const input = screen.getByLabelText('Context per slot');
    expect(input).toHaveValue('2048');
    await userEvent.clear(input);
    await userEvent.type(input, '65536');
    await waitFor(() => expect(screen.getByTestId('fit-verdict')).toHaveTextContent('Does not fit'));
    expect(asked.at(-1)).toBe('/api/v1/models/qwen?context_length=65536');
    expect(screen.getByTestId('memory-breakdown')).toHaveTextContent('At 65536 tokens');

    // A context the server would refuse is flagged here and never sent.
    const before = asked.length;
    await userEvent.clear(input);
    await userEvent.type(input, '12x');
    expect(screen.getByText(/Context: a whole number of tokens/)).toBeInTheDocument();
    await new Promise((r) => setTimeout(r, 400));
    expect(asked.length).toBe(before);
  });

  it('shows the server error instead of details', async () => {
    const { impl } = fakeFetch((_method, url) => {
      if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
      return { kind: 'json', status: 404, body: { error: { code: 'model_not_found', message: "model 'gone' not found" } } };
    });
    renderPage(<ModelDetails name="gone" />, impl);
    expect(await screen.findByRole('alert')).toHaveTextContent("model 'gone' not found");
  });
});

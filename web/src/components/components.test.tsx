// Small components: figures of a generation, the context budget of a chat,
// Markdown with code (no raw HTML), the sampling controls (model defaults shown
// for unset fields, user-set values kept and reset; the request rules are in
// lib/sampling.test.ts).
import { describe, expect, it } from 'vitest';
import * as React from 'react';
import { fireEvent, render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { GenerationStats } from './GenerationStats';
import { Markdown } from './Markdown';
import { contextBudget } from '@/pages/ChatPage';
import { SamplingControls } from './SamplingControls';
import type { GenerationState } from '@/lib/useGeneration';
import type { Message, SamplingParams } from '@/lib/types';

const base: GenerationState = {
  status: 'streaming', text: 'abc', reasoning: '', tokens: [], toolCalls: [], id: 'g', error: null, finishReason: null, usage: null, timings: null, pieces: 3,
  firstTokenMs: 12, elapsedMs: null, start: null, done: null,
};

describe('GenerationStats', () => {
  it('shows counts while streaming and the server figures when done', () => {
    const { rerender } = render(<GenerationStats state={base} />);
    expect(screen.getByTestId('generation-stats')).toHaveTextContent('streaming…');
    expect(screen.getByTestId('generation-stats')).toHaveTextContent('12 ms');
    rerender(
      <GenerationStats
        state={{ ...base, status: 'done', finishReason: 'stop', usage: { prompt_tokens: 4, completion_tokens: 9, total_tokens: 13 }, timings: { time_to_first_token_ms: 2, generation_tokens_per_second: 50 } }}
      />,
    );
    const s = screen.getByTestId('generation-stats');
    expect(s).toHaveTextContent('Prompt4');
    expect(s).toHaveTextContent('Output9');
    expect(s).toHaveTextContent('50.0');
    expect(s).toHaveTextContent('stop');
  });
});

describe('contextBudget', () => {
  const reply = (total: number): Message => ({ id: 2, role: 'assistant', content: 'x', created_at: '', generation: { generation_id: 'g', finish_reason: 'length', usage: { prompt_tokens: total - 10, completion_tokens: 10, total_tokens: total } } });
  it('fits while history, draft and reply are within the context', () => {
    const b = contextBudget([reply(100)], 'a'.repeat(40), 256, 512);
    expect(b).toMatchObject({ used: 100, draftTokens: 10, needed: 366, fits: true });
  });
  it('warns before the next reply would not fit', () => {
    expect(contextBudget([reply(300)], '', 256, 512).fits).toBe(false);
  });
});

describe('Markdown', () => {
  it('renders code blocks with highlighting and never raw HTML', () => {
    const { container } = render(<Markdown text={'**bold**\n\n```js\nconst x = 1;\n```\n\n<img src=x onerror=alert(1)>'} />);
    expect(container.querySelector('strong')).toHaveTextContent('bold');
    expect(container.querySelector('pre code')).toHaveTextContent('const x = 1;');
    expect(container.querySelector('.hljs-keyword')).toHaveTextContent('const');
    expect(container.querySelector('img')).toBeNull();
  });
});

describe('SamplingControls', () => {
  // The controls with their state, as the pages hold it; `seen` gets every change.
  function Harness({ defaults, initial = {}, seen }: { defaults: SamplingParams; initial?: SamplingParams; seen: SamplingParams[] }) {
    const [value, setValue] = React.useState<SamplingParams>(initial);
    return (
      <SamplingControls
        value={value}
        defaults={defaults}
        onChange={(v) => {
          seen.push(v);
          setValue(v);
        }}
      />
    );
  }
  const temperature = () => screen.getByLabelText('Temperature', { selector: 'input' });

  it("shows the model's defaults for unset fields, and the new model's when the defaults change", () => {
    const seen: SamplingParams[] = [];
    const { rerender } = render(<Harness defaults={{ temperature: 0.6, stop: ['</s>'] }} initial={{ top_k: 5 }} seen={seen} />);
    expect(temperature()).toHaveValue(0.6);
    expect(screen.getByLabelText('Top P', { selector: 'input' })).toHaveValue(0.95);
    expect(screen.getByLabelText('Top K', { selector: 'input' })).toHaveValue(5);
    expect(screen.getByLabelText('Stop sequences')).toHaveValue('</s>');
    expect(screen.getByText(/Default 0\.6 \(this model's\)/)).toBeInTheDocument();
    rerender(<Harness defaults={{ temperature: 0.3 }} initial={{ top_k: 5 }} seen={seen} />);
    expect(temperature()).toHaveValue(0.3);
    expect(screen.getByLabelText('Top K', { selector: 'input' })).toHaveValue(5);
    expect(screen.getByLabelText('Stop sequences')).toHaveValue('');
    rerender(<Harness defaults={{}} initial={{ top_k: 5 }} seen={seen} />);
    expect(temperature()).toHaveValue(0.8);
    expect(seen).toEqual([]);
  });

  it('keeps a value the user typed even when it equals a default, and its reset button unsets it', async () => {
    const seen: SamplingParams[] = [];
    render(<Harness defaults={{ temperature: 0.6 }} seen={seen} />);
    expect(screen.queryByRole('button', { name: 'Reset Temperature to the default' })).toBeNull();
    fireEvent.change(temperature(), { target: { value: '0.8' } }); // as a paste or Playwright's fill
    expect(seen.at(-1)).toEqual({ temperature: 0.8 });
    expect(temperature()).toHaveValue(0.8);
    await userEvent.click(screen.getByRole('button', { name: 'Reset Temperature to the default' }));
    expect(seen.at(-1)).toEqual({});
    expect(temperature()).toHaveValue(0.6);
  });

  it('"Reset to model defaults" unsets every sampling field but keeps max tokens', async () => {
    const seen: SamplingParams[] = [];
    render(<Harness defaults={{}} initial={{ temperature: 1.2, seed: 4, stop: ['x'], ignore_eos: true, max_tokens: 64 }} seen={seen} />);
    await userEvent.click(screen.getByRole('button', { name: 'Reset to model defaults' }));
    expect(seen.at(-1)).toEqual({ max_tokens: 64 });
    expect(screen.getByRole('button', { name: 'Reset to model defaults' })).toBeDisabled();
  });
});

describe('numbers shown short', () => {
  it("shows a model's float32 defaults as typed (0.8, not 0.800000011920929)", () => {
    render(<SamplingControls value={{ top_p: 0.949999988079071 }} onChange={() => undefined} defaults={{ temperature: 0.800000011920929 }} />);
    const temp = screen.getByLabelText('Temperature', { selector: 'input' }) as HTMLInputElement;
    expect(temp.value).toBe('0.8');
    expect((screen.getByLabelText('Top P', { selector: 'input' }) as HTMLInputElement).value).toBe('0.95');
    expect(document.getElementById('p-temperature-help')).toHaveTextContent("Default 0.8 (this model's).");
    expect(document.body.textContent).not.toContain('0.800000011920929');
  });
});

// Small components: figures of a generation, the context budget of a chat,
// Markdown with code (no raw HTML), sampling request fields.
import { describe, expect, it } from 'vitest';
import { render, screen } from '@testing-library/react';
import { GenerationStats } from './GenerationStats';
import { Markdown } from './Markdown';
import { contextBudget } from '@/pages/ChatPage';
import { samplingBody } from '@/lib/sampling';
import type { GenerationState } from '@/lib/useGeneration';
import type { Message } from '@/lib/types';

const base: GenerationState = {
  status: 'streaming', text: 'abc', id: 'g', error: null, finishReason: null, usage: null, timings: null, pieces: 3,
  firstTokenMs: 12, elapsedMs: null, done: null,
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

describe('samplingBody', () => {
  it('sends only what differs from the defaults', () => {
    expect(samplingBody({ temperature: 0.8, top_k: 10, max_tokens: 64, seed: -1, stop: [] })).toEqual({ top_k: 10, max_tokens: 64 });
  });
});

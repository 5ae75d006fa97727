// The Playground against a fake server: text streams into the output with the
// figures of the run; Stop calls the cancel route with the generation's id and
// keeps the text; a refused request shows the server's message; the sampling
// controls start from the model's own defaults, follow the model picked, and
// a request carries exactly the values the user set. Structured output (the
// schema checked as typed, response_format and grammar sent, a 400 shown), the
// token view (coloured tokens, the popover by hover and keyboard), a tool call
// answered and continued, and reasoning folded above the answer.
import { describe, expect, it } from 'vitest';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import PlaygroundPage from './PlaygroundPage';
import { fakeFetch, ev, type Reply } from '@/test/fakeServer';
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

  describe('structured output, tools and token probabilities', () => {
    const base = (url: string): Reply | null => {
      if (url.endsWith('/auth/me')) return { kind: 'json', body: ME_NO_AUTH };
      if (url.endsWith('/models')) return { kind: 'json', body: MODELS };
      return null;
    };
    async function ready() {
      const button = await screen.findByRole('button', { name: /^generate$/i });
      await waitFor(() => expect(button).toBeEnabled());
      return button;
    }
    async function choose(label: string, option: string) {
      await userEvent.click(screen.getByRole('combobox', { name: label }));
      await userEvent.click(await screen.findByRole('option', { name: option }));
    }

    it('checks the JSON schema as it is typed and sends it as response_format', async () => {
      const { impl, calls } = fakeFetch((_m, url) => base(url) ?? { kind: 'sse', chunks: [ev('start', { id: 'gen-1' }), ev('text', { text: '{"a": 1}' }), ev('done', { ...DONE, text: '{"a": 1}' })] });
      renderPage(<PlaygroundPage />, impl);
      const button = await ready();
      await choose('Output format', 'JSON schema');
      const editor = screen.getByLabelText('JSON Schema');
      fireEvent.change(editor, { target: { value: '{"type": "object", "properties": {"a": {"type": "integer"}},}' } });
      expect(screen.getByTestId('schema-error')).toHaveTextContent(/Not valid JSON \(line 1, column \d+\)/);
      expect(editor).toHaveAttribute('aria-invalid', 'true');
      expect(button).toBeDisabled();
      expect(screen.getByTestId('request-problem')).toHaveTextContent('Not sent until this is fixed');
      fireEvent.change(editor, { target: { value: '{"type": "string"}' } });
      expect(screen.getByText(/does not describe an object/)).toBeInTheDocument(); // a warning: still sent
      fireEvent.change(editor, { target: { value: '{"type": "object", "properties": {"a": {"type": "integer"}}}' } });
      expect(screen.getByTestId('schema-ok')).toHaveTextContent('Valid object schema.');
      await waitFor(() => expect(button).toBeEnabled());
      await userEvent.click(button);
      await waitFor(() => expect(screen.getByTestId('generation-status')).toHaveTextContent('Done'));
      const gen = calls.find((c) => c.url.endsWith('/models/generate'))!;
      expect(gen.body).toMatchObject({
        response_format: { type: 'json_schema', json_schema: { name: 'reply', schema: { type: 'object', properties: { a: { type: 'integer' } } }, strict: true } },
      });
    });

    it("sends a grammar and shows the server's refusal of it", async () => {
      const { impl, calls } = fakeFetch((_m, url) =>
        base(url) ?? { kind: 'json', status: 400, body: { error: { code: 'invalid_grammar', message: "field 'grammar': grammar line 1, column 10: rule 'foo' is used but never defined" } } },
      );
      renderPage(<PlaygroundPage />, impl);
      const button = await ready();
      await choose('Output format', 'Grammar (GBNF)');
      fireEvent.change(screen.getByLabelText('GBNF grammar'), { target: { value: 'root ::= foo' } });
      await userEvent.click(button);
      expect(await screen.findByRole('alert')).toHaveTextContent("rule 'foo' is used but never defined (400 invalid_grammar)");
      expect(calls.find((c) => c.url.endsWith('/models/generate'))!.body).toMatchObject({ grammar: 'root ::= foo' });
    });

    it('colours the streamed tokens by probability and shows the alternatives on hover', async () => {
      const lp = (token: string, p: number, alts: [string, number][]) => ({
        token, logprob: Math.log(p), bytes: [...new TextEncoder().encode(token)], top_logprobs: alts.map(([t, q]) => ({ token: t, logprob: Math.log(q) })),
      });
      const { impl, calls } = fakeFetch((_m, url) =>
        base(url) ?? {
          kind: 'sse',
          chunks: [
            ev('start', { id: 'gen-1' }),
            ev('text', { text: 'Once', logprobs: [lp('Once', 0.9, [['Once', 0.9], ['One', 0.05]])] }),
            ev('text', { text: ' there', logprobs: [lp(' there', 0.1, [[' upon', 0.7], [' there', 0.1]])] }),
            ev('done', { ...DONE, text: 'Once there' }),
          ],
        },
      );
      renderPage(<PlaygroundPage />, impl);
      const button = await ready();
      await userEvent.click(screen.getByRole('switch', { name: 'Show token probabilities' }));
      await userEvent.click(button);
      await waitFor(() => expect(screen.getAllByTestId('token')).toHaveLength(2));
      expect(calls.find((c) => c.url.endsWith('/models/generate'))!.body).toMatchObject({ logprobs: true, top_logprobs: 5 });
      const [once, there] = screen.getAllByTestId('token');
      expect(once).toHaveTextContent('Once');
      expect(once.style.backgroundColor).not.toBe(there.style.backgroundColor);
      expect(screen.getByTestId('token-legend')).toBeInTheDocument();
      fireEvent.mouseOver(there);
      const pop = await screen.findByRole('tooltip');
      expect(pop).toHaveTextContent('␣there');
      expect(screen.getByTestId('token-probability')).toHaveTextContent('10.0%');
      expect(screen.getByTestId('token-alternatives')).toHaveTextContent('␣upon70.0%');
      fireEvent.mouseLeave(screen.getByTestId('token-view'));
      expect(screen.queryByRole('tooltip')).not.toBeInTheDocument();
      // The keyboard way: focus the tokens and move with the arrows.
      screen.getByTestId('token-view').focus();
      expect(await screen.findByRole('tooltip')).toHaveTextContent('Once');
      fireEvent.keyDown(screen.getByTestId('token-view'), { key: 'ArrowRight' });
      expect(screen.getByRole('tooltip')).toHaveTextContent('␣there');
    });

    it('shows a forced tool call, takes its result and continues with the history', async () => {
      const call = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
      let chats = 0;
      const { impl, calls } = fakeFetch((_m, url) => {
        const b = base(url);
        if (b) return b;
        if (!url.endsWith('/api/v1/chat')) return { kind: 'json', status: 404, body: { error: { code: 'not_found', message: url } } };
        chats++;
        return chats === 1
          ? { kind: 'sse', chunks: [ev('start', { id: 'gen-1' }), ev('done', { ...DONE, id: 'gen-1', text: '', finish_reason: 'tool_calls', tool_calls: [call] })] }
          : { kind: 'sse', chunks: [ev('start', { id: 'gen-2' }), ev('text', { text: 'It is sunny in Paris.' }), ev('done', { ...DONE, id: 'gen-2', text: 'It is sunny in Paris.' })] };
      });
      renderPage(<PlaygroundPage />, impl);
      const button = await ready();
      await userEvent.click(screen.getByRole('button', { name: 'Add function' }));
      expect(screen.getByLabelText('Function name')).toHaveValue('get_weather');
      await choose('Tool choice', 'Call get_weather');
      await userEvent.click(button);
      const shown = await screen.findByTestId('tool-call');
      expect(shown).toHaveTextContent('get_weather');
      expect(screen.getByTestId('tool-call-arguments').textContent).toBe('{\n  "city": "Paris"\n}');
      const first = calls.find((c) => c.url.endsWith('/api/v1/chat'))!.body as Record<string, unknown>;
      expect(first).toMatchObject({
        messages: [{ role: 'user', content: 'Once upon a time' }],
        tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }],
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        stream: true,
      });
      await userEvent.type(screen.getByLabelText('Result of get_weather'), 'Sunny, 21 C');
      await userEvent.click(screen.getByRole('button', { name: 'Continue' }));
      await waitFor(() => expect(screen.getByTestId('output')).toHaveTextContent('It is sunny in Paris.'));
      const second = calls.filter((c) => c.url.endsWith('/api/v1/chat'))[1].body as Record<string, unknown>;
      expect(second.messages).toEqual([
        { role: 'user', content: 'Once upon a time' },
        { role: 'assistant', content: '', tool_calls: [call] },
        { role: 'tool', tool_call_id: 'call_1', name: 'get_weather', content: 'Sunny, 21 C' },
      ]);
      expect(second.tool_choice).toBe('auto'); // a forced call is not forced again
      expect(screen.getByTestId('tool-steps')).toHaveTextContent('get_weather({"city":"Paris"}) → Sunny, 21 C');
      expect(screen.queryByTestId('tool-calls')).not.toBeInTheDocument();
    });

    it('continues without the tools when they are not offered again', async () => {
      const call = { id: 'call_9', type: 'function', function: { name: 'get_weather', arguments: '{}' } };
      let chats = 0;
      const { impl, calls } = fakeFetch((_m, url) => {
        const b = base(url);
        if (b) return b;
        chats++;
        return chats === 1
          ? { kind: 'sse', chunks: [ev('start', { id: 'gen-1' }), ev('done', { ...DONE, text: '', tool_calls: [call] })] }
          : { kind: 'sse', chunks: [ev('start', { id: 'gen-2' }), ev('done', { ...DONE, text: 'ok' })] };
      });
      renderPage(<PlaygroundPage />, impl);
      const button = await ready();
      await userEvent.click(screen.getByRole('button', { name: 'Add function' }));
      await userEvent.click(button);
      await screen.findByTestId('tool-call');
      await userEvent.click(screen.getByRole('switch', { name: 'Offer the tools again' }));
      await userEvent.click(screen.getByRole('button', { name: 'Continue' }));
      await waitFor(() => expect(chats).toBe(2));
      const second = calls.filter((c) => c.url.endsWith('/api/v1/chat'))[1].body as Record<string, unknown>;
      expect(second).not.toHaveProperty('tools');
      expect(second).not.toHaveProperty('tool_choice');
    });

    it("folds a reasoning model's thinking above the answer", async () => {
      const { impl } = fakeFetch((_m, url) =>
        base(url) ?? {
          kind: 'sse',
          chunks: [ev('start', { id: 'gen-1' }), ev('reasoning', { text: 'The user wants a story.' }), ev('text', { text: 'Once.' }), ev('done', { ...DONE, text: 'Once.', reasoning: 'The user wants a story.' })],
        },
      );
      renderPage(<PlaygroundPage />, impl);
      await userEvent.click(await ready());
      await waitFor(() => expect(screen.getByTestId('output')).toHaveTextContent('Once.'));
      const details = screen.getByTestId('reasoning');
      expect(details).not.toHaveAttribute('open');
      expect(details).toHaveTextContent('The user wants a story.');
      expect(screen.getByTestId('output')).not.toHaveTextContent('The user wants');
    });
  });
});

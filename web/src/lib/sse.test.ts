// The SSE parser: fields, multi-line data, comments, CR/LF/CRLF split anywhere,
// UTF-8 split inside a character, unterminated events dropped, abort mid-stream.
import { describe, expect, it } from 'vitest';
import { SseParser, readSseStream } from './sse';
import { sseResponse } from '@/test/fakeServer';

describe('SseParser', () => {
  it('parses named events with JSON data', () => {
    const p = new SseParser();
    const out = p.push('event: start\ndata: {"id":"gen-1"}\n\nevent: text\ndata: {"text":"Hi"}\n\n');
    expect(out).toEqual([
      { event: 'start', data: '{"id":"gen-1"}' },
      { event: 'text', data: '{"text":"Hi"}' },
    ]);
  });

  it('joins multi-line data, ignores comments and defaults the name to message', () => {
    const p = new SseParser();
    expect(p.push(': keep-alive\n\ndata: a\ndata: b\n\n')).toEqual([{ event: 'message', data: 'a\nb' }]);
  });

  it('handles every split of a stream with CRLF line ends', () => {
    const text = 'event: text\r\ndata: {"text":"x"}\r\n\r\nevent: done\r\ndata: {}\r\n\r\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const p = new SseParser();
      const out = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      expect(out.map((e) => e.event), `cut at ${cut}`).toEqual(['text', 'done']);
      expect(out[0].data).toBe('{"text":"x"}');
    }
  });

  it('accepts bare CR line ends and a field without a space after the colon', () => {
    const p = new SseParser();
    expect(p.push('event:text\rdata:{"text":"y"}\r\r')).toEqual([{ event: 'text', data: '{"text":"y"}' }]);
  });

  it('drops an event the stream did not finish', () => {
    const p = new SseParser();
    expect(p.push('event: text\ndata: {"text":"half"}\n')).toEqual([]);
    expect(p.end()).toEqual([]);
  });
});

describe('readSseStream', () => {
  it('decodes UTF-8 split across chunks', async () => {
    const bytes = new TextEncoder().encode('data: {"text":"héllo 🌍"}\n\n');
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < bytes.length; i += 3) c.enqueue(bytes.slice(i, i + 3));
        c.close();
      },
    });
    const out = [];
    for await (const e of readSseStream(stream)) out.push(e);
    expect(out).toHaveLength(1);
    expect(JSON.parse(out[0].data).text).toBe('héllo 🌍');
  });

  it('stops with AbortError when aborted mid-stream, after the events so far', async () => {
    const controller = new AbortController();
    const res = sseResponse(['data: 1\n\n', 'data: 2\n\n'], controller.signal, 5, true);
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const e of readSseStream(res.body!, controller.signal)) {
          seen.push(e.data);
          if (seen.length === 2) controller.abort();
        }
      })(),
    ).rejects.toMatchObject({ name: 'AbortError' });
    expect(seen).toEqual(['1', '2']);
  });
});

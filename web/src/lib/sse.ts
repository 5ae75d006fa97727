// Server-Sent Events parsing for fetch() bodies (EventSource cannot POST or send
// an Authorization header). Follows the WHATWG rules the server relies on:
// `event:`/`data:` fields, multi-line data joined by "\n", `:` comment lines
// (keep-alives) ignored, an event dispatched at a blank line, CR/LF/CRLF line
// ends, chunks split anywhere (even inside a UTF-8 character). Never evaluates data.

export interface SseEvent {
  event: string; // "message" when the server named none
  data: string;
  id?: string;
}

export class SseParser {
  private buffer = '';
  private eventName = '';
  private dataLines: string[] = [];
  private lastId: string | undefined;
  private sawCR = false;

  // Feeds decoded text; returns the events completed by it.
  push(text: string): SseEvent[] {
    const out: SseEvent[] = [];
    let start = 0;
    let i = 0;
    if (this.sawCR && text.startsWith('\n')) {
      start = i = 1; // the LF of a CRLF split across chunks
    }
    this.sawCR = false;
    for (; i < text.length; i++) {
      const ch = text[i];
      if (ch !== '\n' && ch !== '\r') continue;
      const line = this.buffer + text.slice(start, i);
      this.buffer = '';
      if (ch === '\r') {
        if (i + 1 < text.length) {
          if (text[i + 1] === '\n') i++;
        } else {
          this.sawCR = true;
        }
      }
      start = i + 1;
      const ev = this.line(line);
      if (ev) out.push(ev);
    }
    this.buffer += text.slice(start);
    return out;
  }

  // The stream ended: an unterminated event is dropped, as the standard says.
  end(): SseEvent[] {
    this.buffer = '';
    this.dataLines = [];
    this.eventName = '';
    return [];
  }

  private line(line: string): SseEvent | null {
    if (line === '') {
      if (this.dataLines.length === 0) {
        this.eventName = '';
        return null;
      }
      const ev: SseEvent = { event: this.eventName || 'message', data: this.dataLines.join('\n') };
      if (this.lastId !== undefined) ev.id = this.lastId;
      this.eventName = '';
      this.dataLines = [];
      return ev;
    }
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.eventName = value;
    else if (field === 'data') this.dataLines.push(value);
    else if (field === 'id' && !value.includes('\0')) this.lastId = value;
    return null;
  }
}

// Reads a byte stream as SSE events until it ends or `signal` aborts (then throws AbortError).
export async function* readSseStream(
  body: ReadableStream<Uint8Array>,
  signal?: AbortSignal,
): AsyncGenerator<SseEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder('utf-8');
  const parser = new SseParser();
  const onAbort = () => {
    reader.cancel().catch(() => undefined);
  };
  signal?.addEventListener('abort', onAbort);
  try {
    for (;;) {
      if (signal?.aborted) throw new DOMException('The stream was stopped', 'AbortError');
      const { done, value } = await reader.read();
      if (signal?.aborted) throw new DOMException('The stream was stopped', 'AbortError');
      if (done) break;
      for (const ev of parser.push(decoder.decode(value, { stream: true }))) yield ev;
    }
    for (const ev of parser.push(decoder.decode())) yield ev;
    parser.end();
  } finally {
    signal?.removeEventListener('abort', onAbort);
    try {
      reader.releaseLock();
    } catch {
      // a read still pending after cancel; the stream is closed anyway
    }
  }
}

// A fake fetch for tests: replies built from scripted SSE chunks that arrive
// over time (a real ReadableStream), JSON replies and errors; it records each
// request and honours AbortSignal like the browser's fetch does.
export interface Recorded {
  url: string;
  method: string;
  body: unknown;
  headers: Record<string, string>;
}

export type Reply =
  | { kind: 'json'; status?: number; body: unknown }
  | { kind: 'sse'; chunks: string[]; delayMs?: number; holdOpen?: boolean }
  | { kind: 'text'; status: number; body: string };

export function sseResponse(chunks: string[], signal?: AbortSignal | null, delayMs = 1, holdOpen = false): Response {
  const encoder = new TextEncoder();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let i = 0;
      const next = () => {
        if (signal?.aborted) return;
        if (i < chunks.length) {
          controller.enqueue(encoder.encode(chunks[i++]));
          timer = setTimeout(next, delayMs);
        } else if (!holdOpen) {
          controller.close();
        }
      };
      timer = setTimeout(next, delayMs);
      signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        try {
          controller.error(new DOMException('aborted', 'AbortError'));
        } catch {
          // already closed
        }
      });
    },
    cancel() {
      clearTimeout(timer);
    },
  });
  return new Response(stream, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}

export function fakeFetch(route: (method: string, url: string, body: unknown) => Reply) {
  const calls: Recorded[] = [];
  const impl = (async (input: RequestInfo | URL, init: RequestInit = {}) => {
    const url = String(input);
    const method = init.method ?? 'GET';
    const body = typeof init.body === 'string' ? JSON.parse(init.body) : init.body;
    calls.push({ url, method, body, headers: (init.headers ?? {}) as Record<string, string> });
    if (init.signal?.aborted) throw new DOMException('aborted', 'AbortError');
    const r = route(method, url, body);
    if (r.kind === 'json')
      return new Response(JSON.stringify(r.body), { status: r.status ?? 200, headers: { 'Content-Type': 'application/json' } });
    if (r.kind === 'text') return new Response(r.body, { status: r.status });
    return sseResponse(r.chunks, init.signal, r.delayMs, r.holdOpen);
  }) as typeof fetch;
  return { impl, calls };
}

export function ev(event: string, data: unknown) {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

// The client of the server's API: JSON requests, POST/GET Server-Sent Event
// streams and multipart uploads with progress, all with the caller's access
// token and an AbortSignal. URLs come only from routes.ts; errors become
// ApiError with the server's {"error": {code, message}} (or a clear stand-in
// when a reply is not JSON). It never retries on its own and never logs tokens.
import { routePath, type RouteName, API_ROUTES } from './routes';
import { readSseStream, type SseEvent } from './sse';
import type {
  ApiKey, Collection, Conversation, ConversationList, DocumentInfo, GenerationResult, IngestJob, LoginResult, Me,
  Message, ModelList, RagAnswer, RetrievalSettings, SamplingParams, SearchHit, UploadReply, CatalogEntry, PullJob,
} from './types';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  // 404 for a route the server does not have (as opposed to a missing thing).
  get routeMissing(): boolean {
    return this.status === 404 && this.code === 'not_found';
  }
}

export function isAbort(e: unknown): boolean {
  return e instanceof DOMException ? e.name === 'AbortError' : (e as { name?: string })?.name === 'AbortError';
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${e.message} (${e.status} ${e.code})`;
  if (e instanceof Error) return e.message;
  return String(e);
}

// The error of a failed reply, from its body when it is our error shape.
export async function errorFromResponse(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    const err = body?.error;
    if (err && typeof err === 'object' && typeof err.message === 'string')
      return new ApiError(res.status, String(err.code ?? 'error'), err.message);
    if (typeof err === 'string') return new ApiError(res.status, 'error', err);
  } catch {
    // not JSON
  }
  const snippet = text.trim().slice(0, 200);
  return new ApiError(res.status, 'http_error', `the server answered ${res.status}${snippet ? `: ${snippet}` : ''}`);
}

export interface StreamHandlers {
  onEvent: (event: string, data: unknown) => void;
  onResponse?: (res: Response) => void;
}

export interface ClientOptions {
  baseUrl?: string;
  getToken?: () => string | null;
  onUnauthorized?: () => void;
  fetchImpl?: typeof fetch;
}

type Query = Record<string, string | number | undefined>;

export class ApiClient {
  private readonly baseUrl: string;
  constructor(private readonly options: ClientOptions = {}) {
    this.baseUrl = options.baseUrl ?? '';
  }

  url(name: RouteName, params: Record<string, string | number> = {}, query: Query = {}): string {
    const q = Object.entries(query)
      .filter(([, v]) => v !== undefined && v !== '')
      .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
      .join('&');
    return this.baseUrl + routePath(name, params) + (q ? `?${q}` : '');
  }

  headers(json: boolean): Record<string, string> {
    const h: Record<string, string> = {};
    if (json) h['Content-Type'] = 'application/json';
    const token = this.options.getToken?.();
    if (token) h.Authorization = `Bearer ${token}`;
    return h;
  }

  private async fetch(url: string, init: RequestInit): Promise<Response> {
    const f = this.options.fetchImpl ?? globalThis.fetch.bind(globalThis);
    const res = await f(url, init);
    if (!res.ok) {
      const err = await errorFromResponse(res);
      if (err.status === 401) this.options.onUnauthorized?.();
      throw err;
    }
    return res;
  }

  async call<T>(
    name: RouteName,
    opts: { params?: Record<string, string | number>; query?: Query; body?: unknown; signal?: AbortSignal } = {},
  ): Promise<T> {
    const { method } = API_ROUTES[name];
    const res = await this.fetch(this.url(name, opts.params, opts.query), {
      method,
      headers: this.headers(opts.body !== undefined),
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
    const text = await res.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(res.status, 'invalid_reply', `the server's reply to ${method} ${API_ROUTES[name].path} is not JSON`);
    }
  }

  // A Server-Sent Event stream (POST with a JSON body, or GET). Resolves when the
  // stream ends; an `error` event rejects with its ApiError; aborting rejects with AbortError.
  async stream(
    name: RouteName,
    handlers: StreamHandlers,
    opts: { params?: Record<string, string | number>; body?: unknown; signal?: AbortSignal } = {},
  ): Promise<void> {
    const { method } = API_ROUTES[name];
    const res = await this.fetch(this.url(name, opts.params), {
      method,
      headers: { ...this.headers(opts.body !== undefined), Accept: 'text/event-stream' },
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
    handlers.onResponse?.(res);
    if (!res.body) throw new ApiError(res.status, 'invalid_reply', 'the stream has no body');
    for await (const ev of readSseStream(res.body, opts.signal)) dispatch(ev, handlers);
  }

  // The server's OpenAPI document: which routes it has (features it may lack).
  openapi() {
    return this.call<{ paths?: Record<string, Record<string, unknown>> }>('openapi');
  }

  // Memory figures from the Prometheus metrics: weight bytes per model and the process's resident memory.
  async memory(): Promise<{ weights: Record<string, number>; residentBytes: number | null }> {
    const res = await this.fetch(this.url('metrics'), { headers: this.headers(false) });
    return parseMemoryMetrics(await res.text());
  }

  // --- generation
  models(signal?: AbortSignal) {
    return this.call<ModelList>('models', { signal });
  }
  generate(body: Record<string, unknown>, handlers: StreamHandlers, signal?: AbortSignal) {
    return this.stream('generate', handlers, { body: { ...body, stream: true }, signal });
  }
  // Native chat (messages, tools, structured output, logprobs): `text`, `reasoning` and `done` events.
  chat(body: Record<string, unknown>, handlers: StreamHandlers, signal?: AbortSignal) {
    return this.stream('chat', handlers, { body: { ...body, stream: true }, signal });
  }
  cancel(id: string) {
    return this.call<{ id: string; cancelled: boolean }>('cancel', { params: { id } });
  }
  tokenize(text: string, model: string) {
    return this.call<{ tokens: number[] }>('tokenize', { body: { text, model } });
  }

  // --- auth
  login(username: string, password: string) {
    return this.call<LoginResult>('login', { body: { username, password } });
  }
  me() {
    return this.call<Me>('me');
  }
  keys() {
    return this.call<{ keys: ApiKey[] }>('keys');
  }
  createKey(name: string) {
    return this.call<ApiKey>('createKey', { body: { name } });
  }
  deleteKey(id: number) {
    return this.call<{ deleted: boolean }>('deleteKey', { params: { id } });
  }

  // --- conversations
  conversations() {
    return this.call<ConversationList>('conversations', { query: { limit: 200 } });
  }
  createConversation(body: Partial<Conversation>) {
    return this.call<Conversation>('createConversation', { body });
  }
  conversation(id: string, signal?: AbortSignal) {
    return this.call<Conversation>('conversation', { params: { id }, signal });
  }
  updateConversation(id: string, body: Partial<Conversation>) {
    return this.call<Conversation>('updateConversation', { params: { id }, body });
  }
  deleteConversation(id: string) {
    return this.call<{ deleted: boolean }>('deleteConversation', { params: { id } });
  }
  addMessage(id: string, body: { content: string; role?: string; reply?: boolean; params?: SamplingParams }) {
    return this.call<{ message: Message; reply: Message | null }>('addMessage', { params: { id }, body });
  }
  sendMessage(id: string, body: { content: string; params?: SamplingParams }, handlers: StreamHandlers, signal?: AbortSignal) {
    return this.stream('addMessage', handlers, { params: { id }, body: { ...body, stream: true }, signal });
  }
  // The export as a Blob (a plain link could not send the Authorization header).
  async exportConversation(id: string, format: 'json' | 'markdown'): Promise<Blob> {
    const res = await this.fetch(this.url('exportConversation', { id }, { format }), { headers: this.headers(false) });
    return res.blob();
  }

  // --- documents and RAG
  collections() {
    return this.call<{ collections: Collection[] }>('collections');
  }
  // embeddingModel: the model that embeds its chunks (dense and hybrid search); '' keeps it keyword-only (BM25).
  createCollection(name: string, description: string, embeddingModel = '') {
    const body: Record<string, string> = { name, description };
    if (embeddingModel) body.embedding_model = embeddingModel;
    return this.call<Collection>('createCollection', { body });
  }
  deleteCollection(id: number) {
    return this.call<{ deleted: boolean }>('deleteCollection', { params: { id } });
  }
  documents(collection: number) {
    return this.call<{ documents: DocumentInfo[] }>('documents', { params: { id: collection } });
  }
  document(id: number) {
    return this.call<DocumentInfo>('document', { params: { id } });
  }
  deleteDocument(id: number) {
    return this.call<{ deleted: boolean }>('deleteDocument', { params: { id } });
  }
  jobs(collection: number) {
    return this.call<{ jobs: IngestJob[] }>('jobs', { query: { collection } });
  }
  jobEvents(id: string, handlers: StreamHandlers, signal?: AbortSignal) {
    return this.stream('jobEvents', handlers, { params: { id }, signal });
  }
  cancelJob(id: string) {
    return this.call<IngestJob>('cancelJob', { params: { id } });
  }
  retryJob(id: string) {
    return this.call<IngestJob>('retryJob', { params: { id } });
  }
  search(collection: number, query: string, topK = 5, mode?: string) {
    const body: Record<string, unknown> = { query, top_k: topK };
    if (mode) body.mode = mode;
    return this.call<{ hits: SearchHit[] }>('search', { params: { id: collection }, body });
  }
  ragQuery(body: Record<string, unknown>, handlers: StreamHandlers, signal?: AbortSignal) {
    return this.stream('ragQuery', handlers, { body: { ...body, stream: true }, signal });
  }

  // One file as its own multipart request, with upload progress (fetch has none: XHR).
  upload(collection: number, file: File, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<UploadReply> {
    return this.uploadTo('upload', { id: collection }, file, onProgress, signal);
  }
  // A file dropped into a conversation: into its own collection, made and attached on first use.
  uploadToConversation(id: string, file: File, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<UploadReply> {
    return this.uploadTo('conversationDocuments', { id }, file, onProgress, signal);
  }
  // The collections a conversation's replies answer from (ids or names; null or [] detaches
  // all) and its retrieval settings (null: the defaults).
  setConversationDocuments(id: string, body: { collections?: (number | string)[] | null; retrieval?: RetrievalSettings | null }) {
    return this.call<Conversation>('updateConversation', { params: { id }, body });
  }
  private uploadTo(route: 'upload' | 'conversationDocuments', params: Record<string, string | number>, file: File, onProgress: (fraction: number) => void, signal?: AbortSignal): Promise<UploadReply> {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open('POST', this.url(route, params));
      const token = this.options.getToken?.();
      if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
      xhr.upload.onprogress = (e) => {
        if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
      };
      xhr.onload = () => {
        const res = new Response(xhr.responseText, { status: xhr.status });
        if (xhr.status >= 200 && xhr.status < 300) {
          onProgress(1);
          try {
            resolve(JSON.parse(xhr.responseText) as UploadReply);
          } catch {
            reject(new ApiError(xhr.status, 'invalid_reply', 'the upload reply is not JSON'));
          }
        } else {
          // A refused file comes back as 400 with its own reason under `refused`.
          try {
            const body = JSON.parse(xhr.responseText) as Partial<UploadReply>;
            const first = body.refused?.[0]?.error;
            if (first?.message) {
              reject(new ApiError(xhr.status, first.code ?? 'refused', first.message));
              return;
            }
          } catch {
            // not JSON: the generic error below
          }
          errorFromResponse(res).then(reject, reject);
        }
      };
      xhr.onerror = () => reject(new ApiError(0, 'network_error', `the upload of ${file.name} failed (network)`));
      xhr.onabort = () => reject(new DOMException('upload stopped', 'AbortError'));
      signal?.addEventListener('abort', () => xhr.abort());
      const form = new FormData();
      form.append('files', file, file.name);
      xhr.send(form);
    });
  }

  // --- model management (optional routes: a 404 not_found means the server lacks them)
  loadModel(name: string) {
    return this.call<unknown>('loadModel', { params: { name }, body: {} });
  }
  unloadModel(name: string) {
    return this.call<unknown>('unloadModel', { params: { name } });
  }
  deleteModel(name: string) {
    return this.call<unknown>('deleteModel', { params: { name } });
  }
  searchCatalog(q: string, signal?: AbortSignal) {
    return this.call<{ results: CatalogEntry[] }>('searchCatalog', { query: { q, limit: 20 }, signal });
  }
  pullModel(model: string) {
    return this.call<PullJob>('pullModel', { body: { model } });
  }
  pulls() {
    return this.call<{ pulls: PullJob[] }>('pulls');
  }
  cancelPull(id: string) {
    return this.call<unknown>('cancelPull', { params: { id } });
  }
  pullEvents(id: string, handlers: StreamHandlers, signal?: AbortSignal) {
    return this.stream('pullEvents', handlers, { params: { id }, signal });
  }
}

// Reads `playground_model_weight_bytes{model="…"} N` and `playground_process_resident_memory_bytes N`.
export function parseMemoryMetrics(text: string): { weights: Record<string, number>; residentBytes: number | null } {
  const weights: Record<string, number> = {};
  let residentBytes: number | null = null;
  for (const line of text.split('\n')) {
    const w = /^playground_model_weight_bytes\{model="((?:[^"\\]|\\.)*)"\} ([0-9.e+]+)$/.exec(line);
    if (w) weights[w[1].replace(/\\(.)/g, '$1')] = Number(w[2]);
    const r = /^playground_process_resident_memory_bytes ([0-9.e+]+)$/.exec(line);
    if (r) residentBytes = Number(r[1]);
  }
  return { weights, residentBytes };
}

function dispatch(ev: SseEvent, handlers: StreamHandlers) {
  let data: unknown = ev.data;
  try {
    data = JSON.parse(ev.data);
  } catch {
    // plain-text data stays a string
  }
  if (ev.event === 'error') {
    const err = (data as { error?: { code?: string; message?: string } })?.error;
    throw new ApiError(500, err?.code ?? 'stream_error', err?.message ?? `the stream failed: ${ev.data.slice(0, 200)}`);
  }
  handlers.onEvent(ev.event, data);
}

export type { GenerationResult, RagAnswer };

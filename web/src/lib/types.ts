// Shapes of the server's JSON replies the UI reads (docs/API.md, docs/RAG.md,
// /openapi.json). Fields a reply may lack are optional: the UI must cope.

export interface ModelInfo {
  name: string;
  file: string;
  size_bytes: number;
  modified_at: string;
  default: boolean;
  loaded: boolean;
  architecture?: string;
  parameters?: number;
  quantization?: string;
  context_length?: number;
  training_context_length?: number;
  slots?: number;
  has_chat_template?: boolean;
  capabilities?: string[];
  // With model management (docs/MODELS.md): status, and what a loaded model holds.
  status?: 'downloaded' | 'downloading' | 'loading' | 'loaded' | 'failed';
  status_reason?: string;
  aliases?: string[];
  runtime?: { memory_bytes?: number; weights_bytes?: number; active?: number; keep_alive_seconds?: number; expires_at?: string | null };
  // The model's own sampling defaults (its Modelfile PARAMETERs), applied by the server to fields a request leaves out.
  defaults?: SamplingParams;
}
export interface ModelList {
  default: string;
  models: ModelInfo[];
  memory?: { budget_bytes: number; in_use_bytes: number };
}
export interface CatalogEntry {
  id: string;
  downloads?: number;
  likes?: number;
  updated_at?: string;
  pull?: string;
}
export interface PullJob {
  id: string;
  reference: string;
  model: string | null;
  state: 'queued' | 'running' | 'success' | 'failed' | 'cancelled';
  error: string | null;
  progress?: { status?: string; file?: string; completed_bytes?: number; total_bytes?: number; bytes_per_second?: number; eta_seconds?: number | null };
  notices?: string[];
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  cached_prompt_tokens?: number;
}
export interface Timings {
  queue_ms?: number;
  time_to_first_token_ms?: number;
  prompt_ms?: number;
  generation_ms?: number;
  prompt_tokens_per_second?: number;
  generation_tokens_per_second?: number;
}
export interface GenerationResult {
  id: string;
  model: string;
  text: string;
  finish_reason: string;
  seed: number;
  usage: Usage;
  timings: Timings;
  // With `logprobs: true` / tools / a reasoning model (docs/API.md).
  logprobs?: TokenLogprob[];
  reasoning?: string;
  tool_calls?: ToolCall[];
}

// One generated token with `logprobs: true`: its text, natural-log probability,
// UTF-8 bytes and (with `top_logprobs` > 0) the likeliest tokens at that step.
export interface TopLogprob {
  token: string;
  logprob: number;
  bytes?: number[] | null;
}
export interface TokenLogprob extends TopLogprob {
  top_logprobs?: TopLogprob[];
}

// OpenAI's tool call (also the native chat's `tool_calls`); `arguments` is JSON text.
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}
export interface ToolDefinition {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown> };
}
export type ToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } };

// A message of a chat request's history (POST /api/v1/chat `messages`).
export interface ChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  name?: string;
  reasoning_content?: string;
}

export interface SamplingParams {
  temperature?: number;
  top_p?: number;
  top_k?: number;
  min_p?: number;
  repeat_penalty?: number;
  repeat_last_n?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  seed?: number;
  max_tokens?: number;
  stop?: string[];
  ignore_eos?: boolean;
}

export interface Message {
  id: number;
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  created_at: string;
  model?: string;
  // A reasoning model's thinking, where the server stores it apart from the answer.
  reasoning_content?: string;
  reasoning?: string;
  generation?: {
    generation_id: string;
    finish_reason: string;
    sampling?: SamplingParams;
    usage?: Usage;
    timings?: Timings;
  };
  // A grounded reply: the passages it was given (cited as [n]) and those left out.
  sources?: SourcePassage[];
  dropped?: DroppedPassage[];
}
export interface Conversation {
  id: string;
  title: string;
  model: string;
  system_prompt: string;
  params: SamplingParams;
  created_at: string;
  updated_at: string;
  message_count: number;
  messages?: Message[];
  // The collections its replies answer from, in order (absent on an older server).
  collections?: { id: number; name: string }[];
  // null: the server's defaults.
  retrieval?: RetrievalSettings | null;
  // The collection of the files dropped into the chat, once there is one.
  own_collection_id?: number | null;
}
export type RetrievalMode = 'bm25' | 'dense' | 'hybrid';
export interface RetrievalSettings {
  mode?: RetrievalMode;
  top_k?: number;
  context_share?: number;  // share of the free context the sources may fill (0.05–1)
  [key: string]: unknown;
}
export interface ConversationList {
  conversations: Conversation[];
  total: number;
  limit: number;
  offset: number;
}

export interface User {
  id: number;
  username: string;
  role: 'admin' | 'user';
  created_at: string;
}
export interface Me {
  auth: boolean;
  method: 'token' | 'api_key' | 'none';
  user: User | null;
}
export interface LoginResult {
  access_token: string;
  expires_at: string;
  user: User;
}
export interface ApiKey {
  id: number;
  name: string;
  prefix: string;
  created_at: string;
  last_used_at: string | null;
  key?: string;
}

export interface Collection {
  id: number;
  name: string;
  description: string;
  embedding_model: string | null;
  retrieval_modes: string[];
  retrieval_note: string;
  document_count: number;
  chunk_count: number;
  created_at: string;
}
export interface DocumentInfo {
  id: number;
  collection_id: number;
  file_name: string;
  format: string;
  size_bytes: number;
  title: string;
  page_count: number;
  status: 'pending' | 'indexing' | 'indexed' | 'failed';
  error: string | null;
  tags: string[];
  chunk_count: number;
  created_at: string;
  chunks?: Chunk[];
}
export interface Chunk {
  id: number;
  document_id: number;
  index: number;
  text: string;
  page_start: number;
  page_end: number;
  heading_path: string | string[];
  token_count: number;
}
export interface JobFile {
  document_id: number;
  file_name: string;
  size_bytes: number;
  status: string;
  pages: number;
  chunks: number;
  error?: string | null;
  stage?: string;
  chunks_embedded?: number;
  chunks_total?: number;
}
export interface IngestJob {
  id: string;
  collection_id: number;
  kind: string;
  /** The file's name, or "first.pdf and N more files". */
  label?: string;
  status: string;
  finished: boolean;
  files_total: number;
  files_done: number;
  files_failed: number;
  pages: number;
  chunks: number;
  pages_per_second: number | null;
  eta_seconds: number | null;
  files: JobFile[];
}
export interface UploadReply {
  job: IngestJob | null;
  documents: DocumentInfo[];
  refused: { file_name: string; error: { code: string; message: string } }[];
}
export interface SourcePassage {
  number: number;
  chunk_id: number;
  document_id: number;
  document: string;
  collection_id?: number;
  collection?: string;
  page_start: number;
  page_end: number;
  heading_path: string | string[];
  score: number;
  text: string;
  truncated: boolean;
}
// A retrieved chunk the answer did not use (`dropped`): the passage's fields (any may be
// missing) and, where the server gives it, why.
export interface DroppedPassage extends Partial<Omit<SourcePassage, 'number'>> {
  reason?: string;
}
export interface Citation {
  number: number;
  chunk_id: number;
  document_id: number;
  document: string;
  page_start: number;
  page_end: number;
}
export interface RagAnswer {
  id: string;
  model: string;
  answer: string;
  finish_reason: string;
  sources: SourcePassage[];
  dropped?: DroppedPassage[];
  citations: Citation[];
  invalid_citations: number[];
  retrieval?: Record<string, unknown>;
  usage?: Usage;
  timings?: Timings;
}
export interface SearchHit {
  rank: number;
  score: number;
  bm25_rank: number | null;
  bm25_score: number | null;
  dense_rank: number | null;
  dense_score: number | null;
  chunk: Chunk;
  document: { id: number; file_name: string; title: string };
}

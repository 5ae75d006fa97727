// Documents: collections; upload by drag and drop or a file picker (several
// files, each its own request with its own progress and errors); ingestion
// jobs with live progress (SSE, lib/useIngestionJobs.ts), cancel and retry; the
// documents and their chunks; and questions answered from a collection with numbered citations and
// sources that open the chunk with its document, pages and retrieval score.
import * as React from 'react';
import { useNavigate, useParams } from 'react-router-dom';
import { FileText, Plus, Send, Square, Trash2, Upload, RotateCcw, X } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Input, Textarea } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Badge, Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Progress } from '@/components/ui/progress';
import { JobFileLines } from '@/components/JobFileLines';
import { Dialog, DialogContent } from '@/components/ui/dialog';
import { ErrorNote, Notice } from '@/components/ErrorNote';
import { ModelPicker, useModels } from '@/components/ModelPicker';
import { UploadList } from '@/components/UploadList';
import { useUploads } from '@/lib/uploads';
import { formatScore, dropReason, droppedOf, pagesText as pages } from '@/lib/sources';
import { useApi } from '@/lib/session';
import { errorText } from '@/lib/api';
import { useGeneration } from '@/lib/useGeneration';
import { useIngestionJobs } from '@/lib/useIngestionJobs';
import type { Chunk, Collection, DocumentInfo, DroppedPassage, IngestJob, RagAnswer, RetrievalMode, SearchHit, SourcePassage } from '@/lib/types';
import { parseContextShare, parseTopK } from '@/lib/chatDocuments';
import { RetrievalModeSelect } from '@/components/RetrievalModeSelect';
import { cn, formatBytes } from '@/lib/utils';

export { formatScore, DEFAULT_DROP_REASON, dropReason, droppedOf } from '@/lib/sources';

function heading(h: string | string[] | undefined) {
  return Array.isArray(h) ? h.join(' › ') : h ?? '';
}

// What a chunk dialog shows: the chunk (loaded from its document when only ids are known).
interface ChunkRef {
  documentId: number;
  chunkId: number;
  title: string;
  pageStart: number;
  pageEnd: number;
  text?: string;
  score?: number;
  number?: number;
}

function ChunkDialog({ chunk, onClose }: { chunk: ChunkRef | null; onClose: () => void }) {
  const api = useApi();
  const [doc, setDoc] = React.useState<DocumentInfo | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  React.useEffect(() => {
    setDoc(null);
    setError(null);
    if (!chunk) return;
    api.document(chunk.documentId).then(setDoc, (e) => setError(errorText(e)));
  }, [api, chunk]);
  const found: Chunk | undefined = doc?.chunks?.find((c) => c.id === chunk?.chunkId);
  return (
    <Dialog open={chunk !== null} onOpenChange={(o) => !o && onClose()}>
      {chunk ? (
        <DialogContent
          title={
            <span data-testid="chunk-title">
              {chunk.number ? `[${chunk.number}] ` : ''}
              {doc?.title || chunk.title}
            </span>
          }
          description={
            <span data-testid="chunk-location">
              {doc?.file_name ?? chunk.title} · {pages(found?.page_start ?? chunk.pageStart, found?.page_end ?? chunk.pageEnd)}
              {found ? ` · chunk ${found.index + 1} of ${doc?.chunk_count}` : ''}
              {chunk.score !== undefined ? ` · score ${formatScore(chunk.score)}` : ''}
            </span>
          }
        >
          {error ? <ErrorNote>{error}</ErrorNote> : null}
          {found && heading(found.heading_path) ? <p className="mb-2 text-xs text-muted-foreground">{heading(found.heading_path)}</p> : null}
          <p className="whitespace-pre-wrap text-sm" data-testid="chunk-text">
            {found?.text ?? chunk.text ?? 'Loading…'}
          </p>
        </DialogContent>
      ) : null}
    </Dialog>
  );
}

function UploadZone({ collection, onJob }: { collection: Collection; onJob: (job: IngestJob) => void }) {
  const api = useApi();
  const { rows, send } = useUploads((file, onProgress) => api.upload(collection.id, file, onProgress), onJob);
  const [over, setOver] = React.useState(false);
  const inputRef = React.useRef<HTMLInputElement>(null);

  return (
    <div className="flex flex-col gap-2">
      <div
        className={cn(
          'flex flex-col items-center justify-center gap-2 rounded-lg border-2 border-dashed p-5 text-center text-sm text-muted-foreground transition-colors',
          over && 'border-primary bg-primary/5',
        )}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={(e) => {
          e.preventDefault();
          setOver(false);
          const files = Array.from(e.dataTransfer.files);
          if (files.length) send(files);
        }}
        data-testid="drop-zone"
      >
        <Upload className="h-6 w-6" aria-hidden />
        <p>Drop PDF, text or Markdown files here</p>
        <Button variant="outline" size="sm" onClick={() => inputRef.current?.click()}>
          Choose files
        </Button>
        <input
          ref={inputRef}
          type="file"
          multiple
          accept=".pdf,.txt,.md,.markdown,text/plain,text/markdown,application/pdf"
          className="sr-only"
          aria-label="Files to upload"
          data-testid="file-input"
          onChange={(e) => {
            const files = Array.from(e.target.files ?? []);
            if (files.length) send(files);
            e.target.value = '';
          }}
        />
      </div>
      <UploadList rows={rows} />
    </div>
  );
}

function JobView({ job, onChanged }: { job: IngestJob; onChanged: () => void }) {
  const api = useApi();
  const done = job.files_done + job.files_failed;
  return (
    <li className="flex flex-col gap-1 rounded-md border p-2 text-xs" data-testid="job">
      <div className="flex items-center gap-2">
        <span className="min-w-0 truncate font-medium" title={job.kind}>{job.label ?? job.kind}</span>
        <Badge tone={job.status === 'done' ? 'success' : job.status === 'failed' ? 'danger' : 'warning'}>{job.status}</Badge>
        <span className="text-muted-foreground">
          {done}/{job.files_total} files · {job.chunks} chunks
          {job.eta_seconds ? ` · about ${Math.ceil(job.eta_seconds)} s left` : ''}
        </span>
        <span className="ml-auto flex gap-1">
          {!job.finished ? (
            <Button size="sm" variant="ghost" className="h-6" onClick={() => api.cancelJob(job.id).then(onChanged, onChanged)} aria-label="Cancel job">
              <X aria-hidden /> Cancel
            </Button>
          ) : job.files_failed ? (
            <Button size="sm" variant="ghost" className="h-6" onClick={() => api.retryJob(job.id).then(onChanged, onChanged)} aria-label="Retry failed files">
              <RotateCcw aria-hidden /> Retry
            </Button>
          ) : null}
        </span>
      </div>
      <Progress value={job.files_total ? (done / job.files_total) * 100 : 0} label="Job progress" tone={job.files_failed ? 'warning' : 'primary'} />
      <JobFileLines job={job} />
    </li>
  );
}

export function AnswerText({ answer, onCite }: { answer: RagAnswer | { answer: string; sources: SourcePassage[] }; onCite: (s: SourcePassage) => void }) {
  const parts = answer.answer.split(/(\[\d+\])/g);
  return (
    <p className="whitespace-pre-wrap text-sm leading-relaxed" data-testid="rag-answer">
      {parts.map((p, i) => {
        const m = /^\[(\d+)\]$/.exec(p);
        const source = m ? answer.sources.find((s) => s.number === Number(m[1])) : undefined;
        if (!source) return <React.Fragment key={i}>{p}</React.Fragment>;
        return (
          <button
            key={i}
            type="button"
            className="mx-0.5 rounded bg-primary/15 px-1 text-xs font-semibold text-primary hover:bg-primary/25 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
            onClick={() => onCite(source)}
            aria-label={`Citation ${source.number}: ${source.document}, ${pages(source.page_start, source.page_end)}`}
            data-testid="citation"
          >
            {p}
          </button>
        );
      })}
    </p>
  );
}

function AskPanel({ collection, onOpen }: { collection: Collection; onOpen: (c: ChunkRef) => void }) {
  const api = useApi();
  const { models, defaultModel } = useModels();
  const [model, setModel] = React.useState('');
  const [question, setQuestion] = React.useState('');
  const [sources, setSources] = React.useState<SourcePassage[]>([]);
  const [dropped, setDropped] = React.useState<DroppedPassage[]>([]);
  const [hits, setHits] = React.useState<SearchHit[] | null>(null);
  // Retrieval settings of the question: top-k, mode (those the collection has), context for sources.
  const [topK, setTopK] = React.useState('');
  const [mode, setMode] = React.useState<RetrievalMode | 'auto'>('auto');
  const [share, setShare] = React.useState('');
  const k = parseTopK(topK);
  const sh = parseContextShare(share);
  const settingsProblem = k.problem ?? sh.problem;
  const modes = (collection.retrieval_modes ?? ['bm25']) as RetrievalMode[];
  const { state, run, stop } = useGeneration(api, (event, data) => {
    if (event === 'sources') {
      setSources(((data as { sources?: SourcePassage[] })?.sources ?? []) as SourcePassage[]);
      setDropped(droppedOf(data));
    }
    if (event === 'done') {
      setSources(((data as RagAnswer).sources ?? []) as SourcePassage[]);
      if (data && typeof data === 'object' && 'dropped' in data) setDropped(droppedOf(data));
    }
  });
  React.useEffect(() => {
    if (!model && defaultModel) setModel(defaultModel);
  }, [model, defaultModel]);
  const streaming = state.status === 'streaming';
  const done = state.done as unknown as RagAnswer | null;
  const open = (s: SourcePassage) =>
    onOpen({ documentId: s.document_id, chunkId: s.chunk_id, title: s.document, pageStart: s.page_start, pageEnd: s.page_end, text: s.text, score: s.score, number: s.number });

  return (
    <Card>
      <CardHeader>
        <CardTitle>Ask this collection</CardTitle>
      </CardHeader>
      <CardContent className="flex flex-col gap-3">
        <form
          className="flex flex-col gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            if (!question.trim() || streaming || settingsProblem) return;
            setSources([]);
            setDropped([]);
            setHits(null);
            // The retrieval alone, for its per-list ranks and scores (the answer carries the fused score only).
            const chosenMode = mode !== 'auto' && modes.includes(mode) ? mode : undefined;
            api.search(collection.id, question.trim(), k.value ?? 5, chosenMode).then((r) => setHits(r.hits), () => setHits([]));
            const body: Record<string, unknown> = { collection: collection.name, question: question.trim(), model, top_k: k.value ?? 5, params: { max_tokens: 200 } };
            if (chosenMode) body.mode = chosenMode;
            if (sh.value !== null) body.context_share = sh.value;
            void run((handlers, signal) => api.ragQuery(body, handlers, signal));
          }}
        >
          <ModelPicker id="rag-model" label="Answering model" value={model} onChange={setModel} models={models} />
          <Label htmlFor="rag-question">Question</Label>
          <Textarea id="rag-question" rows={2} value={question} onChange={(e) => setQuestion(e.target.value)} />
          <div className="grid grid-cols-1 gap-2 sm:grid-cols-3">
            <div className="flex min-w-0 flex-col gap-1">
              <Label htmlFor="rag-top-k" className="text-xs">Top-k passages</Label>
              <Input id="rag-top-k" inputMode="numeric" placeholder="5" value={topK} onChange={(e) => setTopK(e.target.value)} aria-invalid={Boolean(k.problem)} />
            </div>
            <div className="flex min-w-0 flex-col gap-1">
              <Label htmlFor="rag-mode" className="text-xs">Retrieval mode</Label>
              <RetrievalModeSelect id="rag-mode" value={mode} modes={modes} onChange={setMode} />
            </div>
            <div className="flex min-w-0 flex-col gap-1">
              <Label htmlFor="rag-share" className="text-xs">Context for sources (%)</Label>
              <Input id="rag-share" inputMode="decimal" placeholder="server default (75)" value={share} onChange={(e) => setShare(e.target.value)} aria-invalid={Boolean(sh.problem)} />
            </div>
          </div>
          {settingsProblem ? <p className="text-xs text-destructive">{settingsProblem}</p> : null}
          <div>
            {streaming ? (
              <Button variant="destructive" onClick={stop}>
                <Square aria-hidden /> Stop
              </Button>
            ) : (
              <Button type="submit" disabled={!question.trim() || !model || Boolean(settingsProblem)}>
                <Send aria-hidden /> Ask
              </Button>
            )}
          </div>
        </form>
        {state.error ? <ErrorNote>{state.error}</ErrorNote> : null}
        {state.status !== 'idle' ? (
          <div className="min-h-[4rem] rounded-md border p-3" aria-live="polite" aria-busy={streaming}>
            <AnswerText answer={{ answer: state.text, sources: done?.sources ?? sources }} onCite={open} />
            {done?.invalid_citations?.length ? (
              <p className="mt-2 text-xs text-warning">Cited sources that do not exist: {done.invalid_citations.map((n) => `[${n}]`).join(' ')}</p>
            ) : null}
          </div>
        ) : null}
        {sources.length ? (
          <div>
            <h3 className="mb-1 text-sm font-medium">Sources</h3>
            <ol className="flex flex-col gap-1" aria-label="Sources">
              {sources.map((s) => (
                <li key={s.number}>
                  <button
                    type="button"
                    className="flex w-full items-start gap-2 rounded-md border p-2 text-left text-xs hover:bg-accent focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring"
                    onClick={() => open(s)}
                    data-testid="source"
                  >
                    <span className="font-semibold text-primary">[{s.number}]</span>
                    <span className="min-w-0 flex-1">
                      <span className="block font-medium [overflow-wrap:anywhere]">
                        {s.document} · {pages(s.page_start, s.page_end)}
                        {s.truncated ? (
                          <Badge tone="warning" className="ml-1" title="Only its beginning fit the context budget" data-testid="source-truncated">
                            cut to fit
                          </Badge>
                        ) : null}
                      </span>
                      <span className="line-clamp-2 text-muted-foreground">{s.text}</span>
                    </span>
                    <span className="shrink-0 tabular-nums text-muted-foreground" title="Retrieval score">
                      {formatScore(s.score)}
                    </span>
                  </button>
                </li>
              ))}
            </ol>
          </div>
        ) : null}
        {dropped.length ? (
          <div data-testid="dropped">
            <h3 className="mb-1 text-sm font-medium">Left out of the answer</h3>
            <p className="mb-1 text-xs text-muted-foreground">Retrieved, but not given to the model:</p>
            <ul className="flex flex-col gap-1" aria-label="Chunks left out">
              {dropped.map((d, i) => (
                <li key={d.chunk_id ?? `d${i}`}>
                  <button
                    type="button"
                    className="flex w-full items-start gap-2 rounded-md border border-dashed p-2 text-left text-xs hover:bg-accent focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring disabled:cursor-default disabled:hover:bg-transparent"
                    disabled={d.document_id === undefined || d.chunk_id === undefined}
                    onClick={() =>
                      onOpen({ documentId: d.document_id!, chunkId: d.chunk_id!, title: d.document ?? '', pageStart: d.page_start ?? 0, pageEnd: d.page_end ?? 0, text: d.text, score: d.score })
                    }
                    data-testid="dropped-chunk"
                  >
                    <span className="min-w-0 flex-1">
                      <span className="block font-medium [overflow-wrap:anywhere]">
                        {d.document ?? 'A chunk'}
                        {d.page_start !== undefined ? ` · ${pages(d.page_start, d.page_end ?? d.page_start)}` : ''}
                      </span>
                      <span className="block text-muted-foreground" data-testid="dropped-reason">
                        Left out: {dropReason(d)}
                      </span>
                    </span>
                    {d.score !== undefined ? (
                      <span className="shrink-0 tabular-nums text-muted-foreground" title="Retrieval score">
                        {formatScore(d.score)}
                      </span>
                    ) : null}
                  </button>
                </li>
              ))}
            </ul>
          </div>
        ) : null}
        {hits && hits.length ? (
          <details className="text-xs" data-testid="retrieval">
            <summary className="cursor-pointer font-medium">Retrieval scores per chunk</summary>
            <div className="mt-2 overflow-x-auto">
              <table className="w-full tabular-nums">
                <caption className="sr-only">Retrieved chunks with their scores</caption>
                <thead className="text-left text-muted-foreground">
                  <tr>
                    <th scope="col" className="p-1">#</th>
                    <th scope="col" className="p-1">Chunk</th>
                    <th scope="col" className="p-1">Score</th>
                    <th scope="col" className="p-1">BM25 rank (score)</th>
                    <th scope="col" className="p-1">Dense rank (score)</th>
                  </tr>
                </thead>
                <tbody>
                  {hits.map((h) => (
                    <tr key={h.chunk.id} className="border-t">
                      <td className="p-1">{h.rank}</td>
                      <td className="p-1">
                        <button
                          type="button"
                          className="text-left hover:underline"
                          onClick={() =>
                            onOpen({ documentId: h.document.id, chunkId: h.chunk.id, title: h.document.file_name, pageStart: h.chunk.page_start, pageEnd: h.chunk.page_end, text: h.chunk.text, score: h.score })
                          }
                        >
                          {h.document.file_name} · {pages(h.chunk.page_start, h.chunk.page_end)}
                        </button>
                      </td>
                      <td className="p-1">{formatScore(h.score)}</td>
                      <td className="p-1">{h.bm25_rank ?? '—'} ({formatScore(h.bm25_score)})</td>
                      <td className="p-1">{h.dense_rank ?? '—'} ({formatScore(h.dense_score)})</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </details>
        ) : null}
      </CardContent>
    </Card>
  );
}

function CollectionView({ collection, onDeleted, onChanged }: { collection: Collection; onDeleted: () => void; onChanged: () => void }) {
  const api = useApi();
  const [docs, setDocs] = React.useState<DocumentInfo[]>([]);
  const [error, setError] = React.useState<string | null>(null);
  const [chunk, setChunk] = React.useState<ChunkRef | null>(null);
  const [docOpen, setDocOpen] = React.useState<DocumentInfo | null>(null);

  const onChangedRef = React.useRef(onChanged);
  onChangedRef.current = onChanged;
  const loadDocs = React.useCallback(() => {
    api.documents(collection.id).then(
      (r) => {
        setDocs(r.documents);
        onChangedRef.current();
      },
      (e) => setError(errorText(e)),
    );
  }, [api, collection.id]);

  const { jobs, watch, reset: resetJobs } = useIngestionJobs({ onUpdate: () => loadDocs(), onError: setError });
  // A job's end reloads the documents of the collection it belongs to (unless another is shown now).
  const watchJob = React.useCallback(
    (job: IngestJob) =>
      watch(job, (closed) => {
        if (!closed) loadDocs();
      }),
    [watch, loadDocs],
  );

  const loadJobs = React.useCallback(() => {
    api.jobs(collection.id).then((r) => r.jobs.slice(0, 10).reverse().forEach((job) => watchJob(job)), (e) => setError(errorText(e)));
  }, [api, collection.id, watchJob]);

  React.useEffect(() => {
    setDocs([]);
    resetJobs();
    loadDocs();
    loadJobs();
    return resetJobs;
  }, [loadDocs, loadJobs, resetJobs]);

  return (
    <div className="flex min-w-0 flex-col gap-4">
      <div className="flex flex-wrap items-center gap-2">
        <h2 className="flex-1 text-lg font-semibold">{collection.name}</h2>
        <span className="text-xs text-muted-foreground">
          {docs.length} documents · {docs.reduce((n, d) => n + d.chunk_count, 0)} chunks
        </span>
        <Button
          variant="ghost"
          size="sm"
          onClick={() => {
            if (window.confirm(`Delete the collection "${collection.name}" with its documents?`))
              api.deleteCollection(collection.id).then(onDeleted, (e) => setError(errorText(e)));
          }}
        >
          <Trash2 aria-hidden /> Delete collection
        </Button>
      </div>
      {collection.retrieval_note ? <Notice>{collection.retrieval_note}</Notice> : null}
      {error ? <ErrorNote>{error}</ErrorNote> : null}
      <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
        <div className="flex min-w-0 flex-col gap-4">
          <Card>
            <CardHeader>
              <CardTitle>Upload</CardTitle>
            </CardHeader>
            <CardContent className="flex flex-col gap-3">
              <UploadZone collection={collection} onJob={watchJob} />
              {jobs.length ? (
                <ul className="flex flex-col gap-2" aria-label="Ingestion jobs">
                  {jobs.map((j) => (
                    <JobView key={j.id} job={j} onChanged={loadJobs} />
                  ))}
                </ul>
              ) : null}
            </CardContent>
          </Card>
          <Card>
            <CardHeader>
              <CardTitle>Documents</CardTitle>
            </CardHeader>
            <CardContent>
              {docs.length === 0 ? <p className="text-sm text-muted-foreground">No documents yet.</p> : null}
              <ul className="flex flex-col gap-1" aria-label="Documents">
                {docs.map((d) => (
                  <li key={d.id} className="flex items-start gap-2 rounded-md border p-2 text-sm" data-testid="document-row" data-status={d.status}>
                    <FileText className="mt-0.5 h-4 w-4 shrink-0 text-muted-foreground" aria-hidden />
                    {/* The name wraps (never cut to a few letters on a phone); the file name is always there in full. */}
                    <div className="min-w-0 flex-1">
                      <button type="button" className="block w-full text-left [overflow-wrap:anywhere] hover:underline" onClick={() => setDocOpen(d)} title={d.file_name} data-testid="document-name">
                        {d.title || d.file_name}
                      </button>
                      <span className="block text-xs text-muted-foreground [overflow-wrap:anywhere]">
                        {d.title && d.title !== d.file_name ? `${d.file_name} · ` : ''}
                        {d.page_count ? `${d.page_count} p · ` : ''}
                        {d.chunk_count} chunks · {formatBytes(d.size_bytes)}
                      </span>
                    </div>
                    <Badge tone={d.status === 'indexed' ? 'success' : d.status === 'failed' ? 'danger' : 'warning'} title={d.error ?? undefined}>
                      {d.status}
                    </Badge>
                    <Button
                      size="icon"
                      variant="ghost"
                      className="h-7 w-7"
                      aria-label={`Delete ${d.file_name}`}
                      onClick={() => api.deleteDocument(d.id).then(loadDocs, (e) => setError(errorText(e)))}
                    >
                      <Trash2 aria-hidden />
                    </Button>
                  </li>
                ))}
              </ul>
            </CardContent>
          </Card>
        </div>
        <AskPanel collection={collection} onOpen={setChunk} />
      </div>
      <ChunkDialog chunk={chunk} onClose={() => setChunk(null)} />
      <DocumentDialog doc={docOpen} onClose={() => setDocOpen(null)} onChunk={(c) => setChunk(c)} />
    </div>
  );
}

function DocumentDialog({ doc, onClose, onChunk }: { doc: DocumentInfo | null; onClose: () => void; onChunk: (c: ChunkRef) => void }) {
  const api = useApi();
  const [full, setFull] = React.useState<DocumentInfo | null>(null);
  React.useEffect(() => {
    setFull(null);
    if (doc) api.document(doc.id).then(setFull, () => setFull(doc));
  }, [api, doc]);
  return (
    <Dialog open={doc !== null} onOpenChange={(o) => !o && onClose()}>
      {doc ? (
        <DialogContent title={doc.title || doc.file_name} description={`${doc.file_name} · ${doc.format} · ${doc.page_count || 0} pages · ${doc.chunk_count} chunks${doc.error ? ` · ${doc.error}` : ''}`}>
          <ol className="flex flex-col gap-2">
            {(full?.chunks ?? []).map((c) => (
              <li key={c.id}>
                <button
                  type="button"
                  className="w-full rounded-md border p-2 text-left text-xs hover:bg-accent"
                  onClick={() => {
                    onClose();
                    onChunk({ documentId: doc.id, chunkId: c.id, title: doc.file_name, pageStart: c.page_start, pageEnd: c.page_end, text: c.text });
                  }}
                >
                  <span className="font-medium">
                    Chunk {c.index + 1} · {pages(c.page_start, c.page_end)} · {c.token_count} tokens
                  </span>
                  <span className="line-clamp-2 text-muted-foreground">{c.text}</span>
                </button>
              </li>
            ))}
          </ol>
        </DialogContent>
      ) : null}
    </Dialog>
  );
}

export default function DocumentsPage() {
  const api = useApi();
  const navigate = useNavigate();
  const { id } = useParams();
  const [collections, setCollections] = React.useState<Collection[] | null>(null);
  const [name, setName] = React.useState('');
  const [description, setDescription] = React.useState('');
  const [embeddingModel, setEmbeddingModel] = React.useState('');
  const { models } = useModels();
  const [error, setError] = React.useState<string | null>(null);
  const [unavailable, setUnavailable] = React.useState(false);

  const load = React.useCallback(() => {
    api.collections().then(
      (r) => setCollections(r.collections),
      (e) => {
        if ((e as { routeMissing?: boolean }).routeMissing) setUnavailable(true);
        else setError(errorText(e));
      },
    );
  }, [api]);
  React.useEffect(load, [load]);

  const current = collections?.find((c) => String(c.id) === id);

  if (unavailable) return <Notice>Documents and RAG are not available on this server.</Notice>;
  return (
    <div className="grid grid-cols-1 gap-4 md:grid-cols-[240px_minmax(0,1fr)]">
      <aside className="flex min-w-0 flex-col gap-3" aria-label="Collections">
        <h1 className="text-xl font-semibold">Documents</h1>
        <form
          className="flex flex-col gap-2"
          onSubmit={(e) => {
            e.preventDefault();
            setError(null);
            api.createCollection(name.trim(), description.trim(), embeddingModel).then(
              (c) => {
                setName('');
                setDescription('');
                setEmbeddingModel('');
                load();
                navigate(`/documents/${c.id}`);
              },
              (err) => setError(errorText(err)),
            );
          }}
        >
          <Label htmlFor="collection-name">New collection</Label>
          <Input id="collection-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="Name" />
          <Label htmlFor="collection-description" className="sr-only">
            Description
          </Label>
          <Input id="collection-description" value={description} onChange={(e) => setDescription(e.target.value)} placeholder="Description (optional)" />
          <Label htmlFor="collection-embedding" className="text-xs text-muted-foreground">
            Embedding model (fixed once created)
          </Label>
          <select
            id="collection-embedding"
            className="h-9 w-full min-w-0 rounded-md border border-input bg-background px-2 text-sm"
            value={embeddingModel}
            onChange={(e) => setEmbeddingModel(e.target.value)}
          >
            <option value="">None: keyword search (BM25) only</option>
            {(models ?? []).map((m) => (
              <option key={m.name} value={m.name}>
                {m.name} (dense and hybrid search)
              </option>
            ))}
          </select>
          <Button type="submit" variant="outline" disabled={!name.trim()}>
            <Plus aria-hidden /> Create
          </Button>
        </form>
        {error ? <ErrorNote>{error}</ErrorNote> : null}
        <ul className="flex flex-col gap-1">
          {(collections ?? []).map((c) => (
            <li key={c.id}>
              <button
                type="button"
                className={cn('w-full rounded-md px-2 py-1.5 text-left text-sm [overflow-wrap:anywhere] hover:bg-accent', String(c.id) === id && 'bg-accent font-medium')}
                aria-current={String(c.id) === id ? 'page' : undefined}
                onClick={() => navigate(`/documents/${c.id}`)}
              >
                {c.name}
                <span className="block text-xs text-muted-foreground">
                  {c.document_count} documents · {c.chunk_count} chunks
                </span>
              </button>
            </li>
          ))}
        </ul>
      </aside>
      <section aria-label="Collection" className="min-w-0">
        {current ? (
          <CollectionView
            key={current.id}
            collection={current}
            onChanged={load}
            onDeleted={() => {
              navigate('/documents');
              load();
            }}
          />
        ) : (
          <Notice>Create or choose a collection, upload documents, then ask questions answered from them with citations.</Notice>
        )}
      </section>
    </div>
  );
}

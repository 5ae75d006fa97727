// A model's details, as LM Studio shows them before loading: architecture,
// parameters, quantization, training context, file size, license, sampling
// defaults, the chat template, and whether the model fits in memory at the
// context the user picks (GET /api/v1/models/{name}?context_length=N: the
// server's estimate against its memory budget, with and without the other
// loaded models). It only reads; loading stays with the Models page's buttons.
import * as React from 'react';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { ErrorNote } from '@/components/ErrorNote';
import { useApi } from '@/lib/session';
import { errorText, isAbort } from '@/lib/api';
import type { SamplingParams } from '@/lib/types';
import { formatBytes, formatCount } from '@/lib/utils';

export interface MemoryEstimate {
  required_bytes: number;
  weights_bytes: number;
  kv_cache_bytes: number;
  context_length: number;
  slots: number;
  limit_bytes?: number;
  limit_source?: 'memory_budget' | 'physical_memory';
  other_models_bytes?: number;
  fits?: boolean;
  fits_without_unloading?: boolean;
}

export interface ModelDetail {
  name: string;
  file?: string;
  size_bytes?: number;
  architecture?: string;
  parameters?: number;
  quantization?: string;
  training_context_length?: number;
  license?: string | null;
  chat_template?: string | null;
  defaults?: SamplingParams;
  memory_estimate?: MemoryEstimate;
}

// The largest context the server estimates (its ?context_length range).
export const MAX_CONTEXT = 16777216;

// One sentence on whether the model fits, from the server's estimate.
export function fitVerdict(e: MemoryEstimate): { tone: 'ok' | 'warn' | 'bad'; text: string } {
  const limit = e.limit_source === 'physical_memory' ? "this machine's memory" : 'the memory budget';
  const need = `needs ${formatBytes(e.required_bytes)}`;
  if (e.fits === undefined || e.limit_bytes === undefined) return { tone: 'warn', text: `${need}; this server does not say whether it fits` };
  if (!e.fits) return { tone: 'bad', text: `Does not fit: ${need}, more than ${limit} (${formatBytes(e.limit_bytes)})` };
  if (e.fits_without_unloading === false)
    return {
      tone: 'warn',
      text: `Fits after idle models are unloaded: ${need} of ${limit} (${formatBytes(e.limit_bytes)}); other models hold ${formatBytes(e.other_models_bytes)}`,
    };
  return { tone: 'ok', text: `Fits: ${need} of ${limit} (${formatBytes(e.limit_bytes)})` };
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <>
      <dt className="text-muted-foreground">{label}</dt>
      <dd className="min-w-0 break-words">{children}</dd>
    </>
  );
}

export function ModelDetails({ name }: { name: string }) {
  const api = useApi();
  const [detail, setDetail] = React.useState<ModelDetail | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [context, setContext] = React.useState('');
  const [asked, setAsked] = React.useState<number | undefined>(undefined);
  const contextError = React.useMemo(() => {
    if (context === '') return null;
    if (!/^\d+$/.test(context) || Number(context) < 1 || Number(context) > MAX_CONTEXT)
      return `a whole number of tokens from 1 to ${MAX_CONTEXT}`;
    return null;
  }, [context]);

  // Ask again a moment after the user stops typing a valid context.
  React.useEffect(() => {
    if (contextError || context === '') return;
    const t = setTimeout(() => setAsked(Number(context)), 300);
    return () => clearTimeout(t);
  }, [context, contextError]);

  React.useEffect(() => {
    const ctrl = new AbortController();
    setError(null);
    api
      .call<ModelDetail>('modelDetail', { params: { name }, query: { context_length: asked }, signal: ctrl.signal })
      .then((d) => {
        setDetail(d);
        if (asked === undefined && d.memory_estimate) setContext(String(d.memory_estimate.context_length));
      })
      .catch((e) => {
        if (!isAbort(e)) setError(errorText(e));
      });
    return () => ctrl.abort();
  }, [api, name, asked]);

  if (error) return <ErrorNote>{error}</ErrorNote>;
  if (!detail) return <p className="text-sm text-muted-foreground">Loading the details of {name}…</p>;
  const e = detail.memory_estimate;
  const verdict = e ? fitVerdict(e) : null;
  const defaults = Object.entries(detail.defaults ?? {});
  const toneClass = { ok: 'text-emerald-600 dark:text-emerald-400', warn: 'text-amber-600 dark:text-amber-400', bad: 'text-destructive' };
  return (
    <div className="flex min-w-0 flex-col gap-3 text-sm" data-testid="model-details">
      <dl className="grid grid-cols-[auto_minmax(0,1fr)] gap-x-3 gap-y-1">
        <Row label="Architecture">{detail.architecture ?? '—'}</Row>
        <Row label="Parameters">{formatCount(detail.parameters)}</Row>
        <Row label="Quantization">{detail.quantization ?? '—'}</Row>
        <Row label="Training context">{detail.training_context_length ? `${detail.training_context_length} tokens` : '—'}</Row>
        <Row label="File">{`${detail.file ?? '—'} · ${formatBytes(detail.size_bytes)}`}</Row>
        <Row label="License">{detail.license ?? 'not stated in the file'}</Row>
      </dl>
      {e ? (
        <div className="flex flex-col gap-1 rounded-md border p-2">
          <div className="flex flex-wrap items-center gap-2">
            <Label htmlFor={`ctx-${name}`}>Context per slot</Label>
            <Input
              id={`ctx-${name}`}
              inputMode="numeric"
              className="h-8 w-32"
              value={context}
              aria-invalid={contextError ? true : undefined}
              onChange={(ev) => setContext(ev.target.value.trim())}
            />
            <span className="text-xs text-muted-foreground">tokens × {e.slots} slots</span>
          </div>
          {contextError ? <p className="text-xs text-destructive">Context: {contextError}</p> : null}
          <p className="text-xs text-muted-foreground" data-testid="memory-breakdown">
            {`At ${e.context_length} tokens: weights ${formatBytes(e.weights_bytes)}, KV cache ${formatBytes(e.kv_cache_bytes)}, needs ${formatBytes(e.required_bytes)} resident`}
          </p>
          {verdict ? (
            <p className={toneClass[verdict.tone]} data-testid="fit-verdict">
              {verdict.text}
            </p>
          ) : null}
        </div>
      ) : null}
      {defaults.length > 0 ? (
        <p className="break-words text-xs">
          <span className="text-muted-foreground">Model defaults: </span>
          {defaults.map(([k, v]) => `${k} ${JSON.stringify(v)}`).join(', ')}
        </p>
      ) : null}
      <details>
        <summary className="cursor-pointer text-xs text-muted-foreground">
          {detail.chat_template ? 'Chat template' : 'No chat template in the file (the built-in ChatML one is used)'}
        </summary>
        {detail.chat_template ? (
          <pre className="mt-1 max-h-64 overflow-auto whitespace-pre-wrap break-all rounded bg-muted p-2 text-xs" data-testid="chat-template">
            {detail.chat_template}
          </pre>
        ) : null}
      </details>
    </div>
  );
}

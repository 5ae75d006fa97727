// Models: the server's models with their metadata (architecture, parameters,
// quantization, context, size, slots, memory), a model's details on click
// (license, template, whether it fits at a chosen context), and model management — load,
// unload, delete, catalog search and downloads with live progress — wherever
// the server has those routes (docs/MODELS.md). Where it does not (its
// /openapi.json lacks them, or a call answers 404 not_found) the page says so
// plainly; it never pretends.
import * as React from 'react';
import { Download, RefreshCw, Search, Trash2, X } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Badge, Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Progress } from '@/components/ui/progress';
import { ErrorNote, Notice } from '@/components/ErrorNote';
import { useModels } from '@/components/ModelPicker';
import { ModelDetails } from '@/components/ModelDetails';
import { useApi } from '@/lib/session';
import { ApiError, errorText, isAbort } from '@/lib/api';
import { openApiHasRoute, type RouteName } from '@/lib/routes';
import type { CatalogEntry, ModelInfo, PullJob } from '@/lib/types';
import { formatBytes, formatCount } from '@/lib/utils';

export const NOT_AVAILABLE = 'not available on this server';

function useRouteSupport() {
  const api = useApi();
  const [doc, setDoc] = React.useState<{ paths?: Record<string, Record<string, unknown>> } | null>(null);
  React.useEffect(() => {
    api.openapi().then(setDoc, () => setDoc({}));
  }, [api]);
  return (name: RouteName) => (doc ? openApiHasRoute(doc, name) : null);
}

function statusBadge(m: ModelInfo) {
  const status = m.status ?? (m.loaded ? 'loaded' : 'downloaded');
  const tone = status === 'loaded' ? 'success' : status === 'failed' ? 'danger' : status === 'downloaded' ? 'default' : 'warning';
  return (
    <Badge tone={tone} title={m.status_reason}>
      {status === 'downloaded' ? 'on disk' : status}
    </Badge>
  );
}

function PullRow({ job, onCancel }: { job: PullJob; onCancel?: () => void }) {
  const p = job.progress ?? {};
  const fraction = p.total_bytes ? (p.completed_bytes ?? 0) / p.total_bytes : job.state === 'success' ? 1 : 0;
  const detail =
    job.state === 'running'
      ? `${formatBytes(p.completed_bytes)} of ${formatBytes(p.total_bytes)}${p.bytes_per_second ? ` · ${formatBytes(p.bytes_per_second)}/s` : ''}${p.eta_seconds ? ` · ${Math.ceil(p.eta_seconds)} s left` : ''}`
      : job.error ?? job.state;
  return (
    <li className="flex flex-col gap-1" data-testid="pull">
      <div className="flex items-center gap-2 text-xs">
        <span className="min-w-0 flex-1 truncate font-medium">{job.model ?? job.reference}</span>
        <span className={job.state === 'failed' ? 'text-destructive' : 'text-muted-foreground'}>{p.status && job.state === 'running' ? `${p.status}: ` : ''}{detail}</span>
        {onCancel && (job.state === 'running' || job.state === 'queued') ? (
          <Button size="icon" variant="ghost" className="h-6 w-6" aria-label={`Cancel the download of ${job.reference}`} onClick={onCancel}>
            <X aria-hidden />
          </Button>
        ) : null}
      </div>
      <Progress value={fraction * 100} label={`Download of ${job.reference}`} tone={job.state === 'failed' ? 'danger' : 'primary'} />
    </li>
  );
}

export default function ModelsPage() {
  const api = useApi();
  const { models, error, reload, memoryBudget } = useModels();
  const has = useRouteSupport();
  const [actionError, setActionError] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState<string | null>(null);
  const [open, setOpen] = React.useState<string | null>(null);  // the model whose details are shown
  const [query, setQuery] = React.useState('');
  const [results, setResults] = React.useState<CatalogEntry[] | null>(null);
  const [searchNote, setSearchNote] = React.useState<{ text: string; error: boolean } | null>(null);
  const [pulls, setPulls] = React.useState<PullJob[]>([]);
  const [memory, setMemory] = React.useState<{ weights: Record<string, number>; residentBytes: number | null } | null>(null);
  const watching = React.useRef(new Map<string, AbortController>());

  React.useEffect(() => {
    api.memory().then(setMemory, () => setMemory(null));
  }, [api, models]);

  const watch = React.useCallback(
    (job: PullJob) => {
      setPulls((ps) => [job, ...ps.filter((p) => p.id !== job.id)]);
      if (job.state !== 'running' && job.state !== 'queued') return;
      if (watching.current.has(job.id)) return;
      const controller = new AbortController();
      watching.current.set(job.id, controller);
      api
        .pullEvents(job.id, { onEvent: (_e, data) => setPulls((ps) => ps.map((p) => (p.id === job.id ? (data as PullJob) : p))) }, controller.signal)
        .catch((e) => {
          if (!isAbort(e)) setSearchNote({ text: errorText(e), error: true });
        })
        .finally(() => {
          watching.current.delete(job.id);
          reload();
        });
    },
    [api, reload],
  );

  const pullsAvailable = has('pulls');
  React.useEffect(() => {
    if (!pullsAvailable) return;
    api.pulls().then((r) => r.pulls.forEach(watch), () => undefined);
    const map = watching.current;
    return () => {
      map.forEach((c) => c.abort());
      map.clear();
    };
  }, [api, pullsAvailable, watch]);

  const act = async (name: string, what: 'load' | 'unload' | 'delete') => {
    setActionError(null);
    setBusy(`${what}:${name}`);
    try {
      if (what === 'load') await api.loadModel(name);
      else if (what === 'unload') await api.unloadModel(name);
      else await api.deleteModel(name);
      reload();
    } catch (e) {
      setActionError(e instanceof ApiError && e.routeMissing ? `${what}: ${NOT_AVAILABLE}` : errorText(e));
    } finally {
      setBusy(null);
    }
  };

  const search = async () => {
    setSearchNote(null);
    setResults(null);
    try {
      const r = await api.searchCatalog(query);
      setResults((r.results ?? []).slice(0, 50));
    } catch (e) {
      setSearchNote(e instanceof ApiError && e.routeMissing ? { text: `Catalog search is ${NOT_AVAILABLE}.`, error: false } : { text: errorText(e), error: true });
    }
  };

  const pull = async (reference: string) => {
    setSearchNote(null);
    try {
      watch(await api.pullModel(reference));
    } catch (e) {
      setSearchNote(e instanceof ApiError && e.routeMissing ? { text: `Downloads are ${NOT_AVAILABLE}.`, error: false } : { text: errorText(e), error: true });
    }
  };

  const manage = has('loadModel');
  const catalog = has('searchCatalog');
  const downloads = has('pullModel');
  const canDelete = has('deleteModel');
  const canDescribe = has('modelDetail');
  const modelMemory = (m: ModelInfo) => m.runtime?.memory_bytes ?? memory?.weights[m.name];

  return (
    <div className="flex flex-col gap-4">
      <div className="flex flex-wrap items-center gap-2">
        <h1 className="flex-1 text-xl font-semibold">Models</h1>
        {memoryBudget ? (
          <span className="text-sm text-muted-foreground" data-testid="memory-budget">
            Models use {formatBytes(memoryBudget.in_use_bytes)} of {formatBytes(memoryBudget.budget_bytes)}
          </span>
        ) : null}
        {memory?.residentBytes ? (
          <span className="text-sm text-muted-foreground" data-testid="server-memory">
            Server memory: {formatBytes(memory.residentBytes)}
          </span>
        ) : null}
        <Button variant="outline" size="sm" onClick={reload}>
          <RefreshCw aria-hidden /> Refresh
        </Button>
      </div>
      {error ? <ErrorNote>Models could not be listed: {error}</ErrorNote> : null}
      {actionError ? <ErrorNote>{actionError}</ErrorNote> : null}
      {manage === false ? (
        <Notice>
          Loading, unloading and deleting models is {NOT_AVAILABLE} (it has no <code>/api/v1/models/&#123;name&#125;/load</code> route).
          Models in its models directory are loaded on first use and stay loaded.
        </Notice>
      ) : null}
      <div className="relative overflow-x-auto rounded-lg border">
        <table className="w-full text-sm">
          <caption className="sr-only">Models on this server</caption>
          <thead className="bg-muted/50 text-left text-xs text-muted-foreground">
            <tr>
              <th scope="col" className="p-2">Name</th>
              <th scope="col" className="p-2">State</th>
              <th scope="col" className="p-2">Architecture</th>
              <th scope="col" className="p-2">Parameters</th>
              <th scope="col" className="p-2">Quantization</th>
              <th scope="col" className="p-2">Context</th>
              <th scope="col" className="p-2">File size</th>
              <th scope="col" className="p-2">Memory</th>
              <th scope="col" className="p-2">Slots</th>
              <th scope="col" className="p-2"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {(models ?? []).map((m) => (
              <React.Fragment key={m.name}>
              <tr className="border-t" data-testid="model-row">
                <th scope="row" className="p-2 text-left font-medium">
                  {m.name} {m.default ? <Badge tone="primary">default</Badge> : null}
                  <div className="text-xs font-normal text-muted-foreground">{[m.file, ...(m.aliases ?? [])].join(' · ')}</div>
                </th>
                <td className="p-2">{statusBadge(m)}</td>
                <td className="p-2">{m.architecture ?? '—'}</td>
                <td className="p-2 tabular-nums">{formatCount(m.parameters)}</td>
                <td className="p-2">{m.quantization ?? '—'}</td>
                <td className="p-2 tabular-nums">{m.context_length ?? m.training_context_length ?? '—'}</td>
                <td className="p-2 tabular-nums">{formatBytes(m.size_bytes)}</td>
                <td className="p-2 tabular-nums">{modelMemory(m) !== undefined ? formatBytes(modelMemory(m)) : '—'}</td>
                <td className="p-2 tabular-nums">{m.slots ?? '—'}</td>
                <td className="p-2">
                  <div className="flex gap-1">
                    {canDescribe ? (
                      <Button
                        size="sm"
                        variant="ghost"
                        aria-expanded={open === m.name}
                        aria-label={`Details of ${m.name}`}
                        onClick={() => setOpen(open === m.name ? null : m.name)}
                      >
                        Details
                      </Button>
                    ) : null}
                    <Button
                      size="sm"
                      variant="outline"
                      disabled={manage !== true || busy !== null}
                      title={manage === false ? NOT_AVAILABLE : undefined}
                      onClick={() => void act(m.name, m.loaded ? 'unload' : 'load')}
                    >
                      {m.loaded ? 'Unload' : 'Load'}
                    </Button>
                    {canDelete ? (
                      <Button
                        size="icon"
                        variant="ghost"
                        aria-label={`Delete ${m.name}`}
                        disabled={busy !== null}
                        onClick={() => {
                          if (window.confirm(`Delete the files of ${m.name}?`)) void act(m.name, 'delete');
                        }}
                      >
                        <Trash2 aria-hidden />
                      </Button>
                    ) : null}
                  </div>
                </td>
              </tr>
              {open === m.name ? (
                <tr className="border-t bg-muted/20">
                  <td colSpan={10} className="p-3">
                    <ModelDetails name={m.name} />
                  </td>
                </tr>
              ) : null}
              </React.Fragment>
            ))}
          </tbody>
        </table>
        {models && models.length === 0 ? <p className="p-3 text-sm text-muted-foreground">No models.</p> : null}
      </div>
      <Card>
        <CardHeader>
          <CardTitle>Find and download models</CardTitle>
        </CardHeader>
        <CardContent className="flex flex-col gap-3">
          {catalog === false && downloads === false ? (
            <Notice>
              Catalog search and downloads are {NOT_AVAILABLE} (it has no <code>/api/v1/models/search</code> or <code>/api/v1/models/pull</code> route).
            </Notice>
          ) : null}
          <form
            className="flex items-end gap-2"
            onSubmit={(e) => {
              e.preventDefault();
              if (query.trim()) void search();
            }}
          >
            <div className="flex flex-1 flex-col gap-1.5">
              <Label htmlFor="catalog-query">Search the catalog</Label>
              <Input id="catalog-query" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="e.g. mistral 7b instruct" disabled={catalog === false} />
            </div>
            <Button type="submit" disabled={catalog === false || !query.trim()}>
              <Search aria-hidden /> Search
            </Button>
          </form>
          {downloads ? (
            <form
              className="flex items-end gap-2"
              onSubmit={(e) => {
                e.preventDefault();
                const ref = new FormData(e.currentTarget).get('reference');
                if (typeof ref === 'string' && ref.trim()) void pull(ref.trim());
              }}
            >
              <div className="flex flex-1 flex-col gap-1.5">
                <Label htmlFor="pull-reference">Download by reference</Label>
                <Input id="pull-reference" name="reference" placeholder="hf.co/OWNER/REPO:Q4_K_M or ollama.com/library/NAME:TAG" />
              </div>
              <Button type="submit" variant="outline">
                <Download aria-hidden /> Download
              </Button>
            </form>
          ) : null}
          {searchNote ? searchNote.error ? <ErrorNote>{searchNote.text}</ErrorNote> : <Notice>{searchNote.text}</Notice> : null}
          {results ? (
            <ul className="flex flex-col gap-1" aria-label="Search results">
              {results.length === 0 ? <li className="text-sm text-muted-foreground">Nothing found.</li> : null}
              {results.map((r) => (
                <li key={r.id} className="flex items-center gap-2 rounded-md border p-2 text-sm">
                  <span className="min-w-0 flex-1 truncate">{r.id}</span>
                  {r.downloads !== undefined ? <span className="text-xs text-muted-foreground">{formatCount(r.downloads)} downloads</span> : null}
                  <Button size="sm" variant="outline" disabled={downloads === false} onClick={() => void pull(r.pull ?? `hf.co/${r.id}`)}>
                    <Download aria-hidden /> Download
                  </Button>
                </li>
              ))}
            </ul>
          ) : null}
          {pulls.length ? (
            <ul className="flex flex-col gap-2" aria-label="Downloads">
              {pulls.map((p) => (
                <PullRow key={p.id} job={p} onCancel={() => api.cancelPull(p.id).catch((e) => setSearchNote({ text: errorText(e), error: true }))} />
              ))}
            </ul>
          ) : null}
        </CardContent>
      </Card>
    </div>
  );
}

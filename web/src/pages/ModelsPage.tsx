// Models: the server's models with their metadata (architecture, parameters,
// quantization, context, size, slots), and model management — load, unload,
// delete, catalog search and downloads with live progress — wherever the
// server has those routes. Where it does not (its /openapi.json lacks them, or
// a call answers 404 not_found) the page says so plainly; it never pretends.
import * as React from 'react';
import { Download, RefreshCw, Search } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Badge, Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { Progress } from '@/components/ui/progress';
import { ErrorNote, Notice } from '@/components/ErrorNote';
import { useModels } from '@/components/ModelPicker';
import { useApi } from '@/lib/session';
import { ApiError, errorText } from '@/lib/api';
import { openApiHasRoute, type RouteName } from '@/lib/routes';
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

interface PullState {
  id: string;
  name: string;
  fraction: number;
  status: string;
  error?: string;
}

export default function ModelsPage() {
  const api = useApi();
  const { models, error, reload } = useModels();
  const has = useRouteSupport();
  const [actionError, setActionError] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState<string | null>(null);
  const [query, setQuery] = React.useState('');
  const [results, setResults] = React.useState<Record<string, unknown>[] | null>(null);
  const [searchNote, setSearchNote] = React.useState<string | null>(null);
  const [pulls, setPulls] = React.useState<PullState[]>([]);
  const [memory, setMemory] = React.useState<{ weights: Record<string, number>; residentBytes: number | null } | null>(null);
  React.useEffect(() => {
    api.memory().then(setMemory, () => setMemory(null));
  }, [api, models]);

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
      setResults(((r.results ?? r.models ?? []) as Record<string, unknown>[]).slice(0, 50));
    } catch (e) {
      setSearchNote(e instanceof ApiError && e.routeMissing ? `Catalog search is ${NOT_AVAILABLE}.` : errorText(e));
    }
  };

  const pull = async (name: string) => {
    try {
      const { id } = await api.pullModel({ name });
      setPulls((p) => [...p, { id, name, fraction: 0, status: 'starting' }]);
      await api.pullEvents(id, {
        onEvent: (event, data) => {
          const d = (data ?? {}) as Record<string, unknown>;
          const total = Number(d.total_bytes ?? d.total ?? 0);
          const done = Number(d.downloaded_bytes ?? d.completed ?? 0);
          setPulls((p) =>
            p.map((x) =>
              x.id === id ? { ...x, status: String(d.status ?? event), fraction: total > 0 ? done / total : x.fraction, error: d.error ? String(d.error) : undefined } : x,
            ),
          );
        },
      });
      reload();
    } catch (e) {
      setSearchNote(e instanceof ApiError && e.routeMissing ? `Downloads are ${NOT_AVAILABLE}.` : errorText(e));
    }
  };

  const manage = has('loadModel');
  const catalog = has('searchCatalog');

  return (
    <div className="flex flex-col gap-4">
      <div className="flex items-center gap-2">
        <h1 className="flex-1 text-xl font-semibold">Models</h1>
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
          Loading, unloading and deleting models is {NOT_AVAILABLE} (it has no <code>/api/v1/models/&#123;id&#125;/load</code> route).
          Models in its models directory are loaded on first use and stay loaded.
        </Notice>
      ) : null}
      <div className="overflow-x-auto rounded-lg border">
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
              <th scope="col" className="p-2">Weights in memory</th>
              <th scope="col" className="p-2">Slots</th>
              <th scope="col" className="p-2"><span className="sr-only">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {(models ?? []).map((m) => (
              <tr key={m.name} className="border-t" data-testid="model-row">
                <th scope="row" className="p-2 text-left font-medium">
                  {m.name} {m.default ? <Badge tone="primary">default</Badge> : null}
                  <div className="text-xs font-normal text-muted-foreground">{m.file}</div>
                </th>
                <td className="p-2">{m.loaded ? <Badge tone="success">loaded</Badge> : <Badge>on disk</Badge>}</td>
                <td className="p-2">{m.architecture ?? '—'}</td>
                <td className="p-2 tabular-nums">{formatCount(m.parameters)}</td>
                <td className="p-2">{m.quantization ?? '—'}</td>
                <td className="p-2 tabular-nums">{m.context_length ?? '—'}</td>
                <td className="p-2 tabular-nums">{formatBytes(m.size_bytes)}</td>
                <td className="p-2 tabular-nums">{memory?.weights[m.name] !== undefined ? formatBytes(memory.weights[m.name]) : '—'}</td>
                <td className="p-2 tabular-nums">{m.slots ?? '—'}</td>
                <td className="p-2">
                  <div className="flex gap-1">
                    <Button
                      size="sm"
                      variant="outline"
                      disabled={manage !== true || busy !== null}
                      title={manage === false ? NOT_AVAILABLE : undefined}
                      onClick={() => void act(m.name, m.loaded ? 'unload' : 'load')}
                    >
                      {m.loaded ? 'Unload' : 'Load'}
                    </Button>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {models && models.length === 0 ? <p className="p-3 text-sm text-muted-foreground">No models.</p> : null}
        {models ? (
          <p className="border-t p-2 text-xs text-muted-foreground">
            Architecture, parameters, quantization, context and slots are known once a model is loaded.
          </p>
        ) : null}
      </div>
      <Card>
        <CardHeader>
          <CardTitle>Find and download models</CardTitle>
        </CardHeader>
        <CardContent className="flex flex-col gap-3">
          {catalog === false ? (
            <Notice>Catalog search and downloads are {NOT_AVAILABLE} (it has no <code>/api/v1/models/search</code> or <code>/api/v1/models/pull</code> route).</Notice>
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
              <Input id="catalog-query" value={query} onChange={(e) => setQuery(e.target.value)} placeholder="e.g. mistral 7b instruct gguf" disabled={catalog === false} />
            </div>
            <Button type="submit" disabled={catalog === false || !query.trim()}>
              <Search aria-hidden /> Search
            </Button>
          </form>
          {searchNote ? <Notice>{searchNote}</Notice> : null}
          {results ? (
            <ul className="flex flex-col gap-1">
              {results.length === 0 ? <li className="text-sm text-muted-foreground">Nothing found.</li> : null}
              {results.map((r, i) => {
                const name = String(r.name ?? r.id ?? r.repo ?? `result ${i + 1}`);
                return (
                  <li key={i} className="flex items-center gap-2 rounded-md border p-2 text-sm">
                    <span className="flex-1 truncate">{name}</span>
                    {r.size_bytes ? <span className="text-xs text-muted-foreground">{formatBytes(Number(r.size_bytes))}</span> : null}
                    <Button size="sm" variant="outline" onClick={() => void pull(name)}>
                      <Download aria-hidden /> Download
                    </Button>
                  </li>
                );
              })}
            </ul>
          ) : null}
          {pulls.map((p) => (
            <div key={p.id} className="flex flex-col gap-1">
              <div className="flex justify-between text-xs">
                <span>{p.name}</span>
                <span>{p.error ?? `${p.status} ${Math.round(p.fraction * 100)}%`}</span>
              </div>
              <Progress value={p.fraction * 100} label={`Download of ${p.name}`} tone={p.error ? 'danger' : 'primary'} />
            </div>
          ))}
        </CardContent>
      </Card>
    </div>
  );
}

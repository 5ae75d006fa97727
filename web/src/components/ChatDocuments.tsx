// A conversation's documents: the collections its replies answer from (attach and
// detach from the server's collections), the retrieval mode (only those every
// attached collection supports; auto = the server's choice) and top-k, saved with
// PATCH /api/v1/conversations/{id}. Compact in the header: a button with the count,
// the names in its label and tooltip; the dialog holds the choices.
import * as React from 'react';
import { Library } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Dialog, DialogContent } from '@/components/ui/dialog';
import { Tooltip } from '@/components/ui/tooltip';
import { ErrorNote, Notice } from '@/components/ErrorNote';
import { useApi } from '@/lib/session';
import { errorText } from '@/lib/api';
import { RetrievalModeSelect } from '@/components/RetrievalModeSelect';
import { commonModes, parseContextShare, parseTopK, retrievalBody } from '@/lib/chatDocuments';
import type { Collection, Conversation, RetrievalMode } from '@/lib/types';

export function ChatDocuments({ conv, onSaved }: { conv: Conversation; onSaved: (c: Conversation) => void }) {
  const [open, setOpen] = React.useState(false);
  const attached = conv.collections ?? [];
  const names = attached.map((c) => (c.id === conv.own_collection_id ? 'files of this chat' : c.name)).join(', ');
  return (
    <>
      <Tooltip content={attached.length ? `Answers from: ${names}` : 'Attach collections this conversation answers from'}>
        <Button variant="outline" size="sm" onClick={() => setOpen(true)} aria-label={`Documents: ${attached.length ? names : 'none attached'}`} data-testid="chat-documents">
          <Library aria-hidden /> Documents{attached.length ? ` (${attached.length})` : ''}
        </Button>
      </Tooltip>
      <Dialog open={open} onOpenChange={setOpen}>
        {open ? (
          <DialogContent title="Documents in this chat" description="The collections its replies answer from, and how passages are retrieved.">
            <DocumentsForm
              conv={conv}
              onSaved={(c) => {
                onSaved(c);
                setOpen(false);
              }}
            />
          </DialogContent>
        ) : null}
      </Dialog>
    </>
  );
}

export function DocumentsForm({ conv, onSaved }: { conv: Conversation; onSaved: (c: Conversation) => void }) {
  const api = useApi();
  const [collections, setCollections] = React.useState<Collection[] | null>(null);
  const [chosen, setChosen] = React.useState<number[]>(() => (conv.collections ?? []).map((c) => c.id));
  const [mode, setMode] = React.useState<RetrievalMode | 'auto'>(() => (conv.retrieval?.mode as RetrievalMode | undefined) ?? 'auto');
  const [topK, setTopK] = React.useState(() => (conv.retrieval?.top_k !== undefined ? String(conv.retrieval.top_k) : ''));
  const [share, setShare] = React.useState(() =>
    conv.retrieval?.context_share !== undefined ? String(Math.round(conv.retrieval.context_share * 1000) / 10) : '',
  );
  const [error, setError] = React.useState<string | null>(null);
  const [saving, setSaving] = React.useState(false);
  React.useEffect(() => {
    api.collections().then(
      (r) => setCollections(r.collections),
      (e) => setError(errorText(e)),
    );
  }, [api]);
  // Attached collections first, in their order; the others after.
  const all = collections ?? [];
  const ordered = [...chosen.map((id) => all.find((c) => c.id === id)).filter((c): c is Collection => Boolean(c)), ...all.filter((c) => !chosen.includes(c.id))];
  const modes = commonModes(all.filter((c) => chosen.includes(c.id)));
  const effectiveMode = mode !== 'auto' && !modes.includes(mode) ? 'auto' : mode;
  const k = parseTopK(topK);
  const sh = parseContextShare(share);
  const problem = k.problem ?? sh.problem;
  return (
    <form
      className="flex flex-col gap-4"
      onSubmit={(e) => {
        e.preventDefault();
        if (problem) return;
        setSaving(true);
        setError(null);
        api
          .setConversationDocuments(conv.id, { collections: chosen, retrieval: chosen.length ? retrievalBody(conv.retrieval, effectiveMode, k.value, sh.value) : null })
          .then(onSaved, (err) => setError(errorText(err)))
          .finally(() => setSaving(false));
      }}
    >
      <fieldset className="flex flex-col gap-1.5">
        <legend className="mb-1 text-sm font-medium">Collections</legend>
        {collections === null && !error ? <p className="text-sm text-muted-foreground">Loading collections…</p> : null}
        {collections?.length === 0 ? <Notice>No collections yet: drop files into the chat, or make one on the Documents page.</Notice> : null}
        {ordered.map((c) => (
          <label key={c.id} className="flex items-start gap-2 rounded-md border p-2 text-sm">
            <input
              type="checkbox"
              className="mt-0.5 h-4 w-4 shrink-0 accent-primary"
              checked={chosen.includes(c.id)}
              onChange={(e) => setChosen((ids) => (e.target.checked ? [...ids, c.id] : ids.filter((x) => x !== c.id)))}
              data-testid="collection-choice"
            />
            <span className="min-w-0 flex-1 [overflow-wrap:anywhere]">
              {c.id === conv.own_collection_id ? `${c.name} (files of this chat)` : c.name}
              <span className="block text-xs text-muted-foreground">
                {c.document_count} documents · {(c.retrieval_modes ?? ['bm25']).join(', ')}
              </span>
            </span>
          </label>
        ))}
      </fieldset>
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2">
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="chat-retrieval-mode">Retrieval mode</Label>
          <RetrievalModeSelect id="chat-retrieval-mode" value={effectiveMode} modes={modes} onChange={setMode} disabled={!chosen.length} />
        </div>
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="chat-top-k">Top-k passages</Label>
          <Input id="chat-top-k" inputMode="numeric" placeholder="default" value={topK} onChange={(e) => setTopK(e.target.value)} disabled={!chosen.length} aria-invalid={Boolean(k.problem)} />
          {k.problem ? <p className="text-xs text-destructive">{k.problem}</p> : null}
        </div>
        <div className="flex flex-col gap-1.5 sm:col-span-2">
          <Label htmlFor="chat-context-share">Context for sources (% of what the reply leaves free)</Label>
          <Input id="chat-context-share" inputMode="decimal" placeholder="server default (75)" value={share} onChange={(e) => setShare(e.target.value)} disabled={!chosen.length} aria-invalid={Boolean(sh.problem)} />
          {sh.problem ? <p className="text-xs text-destructive">{sh.problem}</p> : null}
        </div>
      </div>
      {error ? <ErrorNote>{error}</ErrorNote> : null}
      <Button type="submit" disabled={saving || Boolean(problem)}>
        Save
      </Button>
    </form>
  );
}

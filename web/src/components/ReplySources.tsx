// A grounded reply in Chat: its text with each [n] that names a source as a button
// opening that passage (numbers naming none stay text and are flagged), a compact
// list of its sources, and the passages left out with the server's reason. A dialog
// shows a passage: document, collection, pages, score, whether it was cut, its text.
// `SourcedAnswer` puts them together for a stored reply and one still streaming alike;
// it never fetches anything (the sources come with the reply or its stream's start).
import * as React from 'react';
import { Markdown } from '@/components/Markdown';
import { Dialog, DialogContent } from '@/components/ui/dialog';
import { linkCitations, citationTarget } from '@/lib/citations';
import { dropReason, formatScore, headingText, pagesText } from '@/lib/sources';
import type { DroppedPassage, SourcePassage } from '@/lib/types';

const citeClass =
  'mx-0.5 rounded bg-primary/15 px-1 text-xs font-semibold text-primary no-underline hover:bg-primary/25 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring';

export function CitedMarkdown({ text, sources, onCite }: { text: string; sources: SourcePassage[]; onCite: (s: SourcePassage) => void }) {
  const known = React.useMemo(() => new Set(sources.map((s) => s.number)), [sources]);
  const { markdown, unknown } = React.useMemo(() => linkCitations(text, known), [text, known]);
  return (
    <>
      <Markdown
        text={markdown}
        link={(href) => {
          const n = citationTarget(href);
          const source = n === null ? undefined : sources.find((s) => s.number === n);
          if (!source) return null;
          return (
            <button
              type="button"
              className={citeClass}
              onClick={() => onCite(source)}
              aria-label={`Citation ${source.number}: ${source.document}, ${pagesText(source.page_start, source.page_end)}`}
              data-testid="citation"
            >
              {source.number}
            </button>
          );
        }}
      />
      {unknown.length ? (
        <p className="mt-1 text-xs text-warning" data-testid="unknown-citations">
          Cites sources that do not exist: {unknown.map((n) => `[${n}]`).join(' ')}
        </p>
      ) : null}
    </>
  );
}

// A reply's answer with its sources: cited [n] and listed sources call `onOpen` (the page
// holds one SourceDialog, so a passage stays open when a streamed reply is replaced by the
// stored one). Without sources the answer shows as `plain` renders it (a stored reply as
// Markdown, a streaming one as text).
export function SourcedAnswer({
  text,
  sources,
  dropped,
  plain,
  onOpen,
}: {
  text: string;
  sources: SourcePassage[];
  dropped: DroppedPassage[];
  plain: React.ReactNode;
  onOpen: (s: SourcePassage) => void;
}) {
  return (
    <>
      {sources.length ? <CitedMarkdown text={text} sources={sources} onCite={onOpen} /> : plain}
      <SourceList sources={sources} dropped={dropped} onOpen={onOpen} />
    </>
  );
}

export function SourceList({ sources, dropped, onOpen }: { sources: SourcePassage[]; dropped: DroppedPassage[]; onOpen: (s: SourcePassage) => void }) {
  if (!sources.length && !dropped.length) return null;
  return (
    <div className="mt-2 flex flex-col gap-1 border-t pt-2 text-xs">
      {sources.length ? (
        <ol className="flex flex-col gap-0.5" aria-label="Sources">
          {sources.map((s) => (
            <li key={`${s.number}-${s.chunk_id}`}>
              <button type="button" className="w-full rounded px-1 text-left [overflow-wrap:anywhere] hover:bg-accent" onClick={() => onOpen(s)} data-testid="reply-source">
                <span className="font-semibold text-primary">[{s.number}]</span> {s.document}
                <span className="text-muted-foreground">
                  {s.collection ? ` · ${s.collection}` : ''} · {pagesText(s.page_start, s.page_end)} · {formatScore(s.score)}
                  {s.truncated ? ' · cut to fit' : ''}
                </span>
              </button>
            </li>
          ))}
        </ol>
      ) : null}
      {dropped.length ? (
        <details data-testid="reply-dropped">
          <summary className="cursor-pointer text-muted-foreground">Left out of the answer ({dropped.length})</summary>
          <ul className="mt-1 flex flex-col gap-0.5">
            {dropped.map((d, i) => (
              <li key={i} className="px-1 [overflow-wrap:anywhere]">
                {d.document ?? 'A passage'}
                {d.page_start ? ` · ${pagesText(d.page_start, d.page_end)}` : ''}
                {d.score !== undefined ? ` · ${formatScore(d.score)}` : ''}
                <span className="block text-muted-foreground" data-testid="dropped-reason">
                  Left out: {dropReason(d)}
                </span>
              </li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}

export function SourceDialog({ source, onClose }: { source: SourcePassage | null; onClose: () => void }) {
  return (
    <Dialog open={source !== null} onOpenChange={(o) => !o && onClose()}>
      {source ? (
        <DialogContent
          title={<span data-testid="source-title">[{source.number}] {source.document}</span>}
          description={
            <span data-testid="source-location">
              {source.collection ? `${source.collection} · ` : ''}
              {pagesText(source.page_start, source.page_end)} · score {formatScore(source.score)}
              {source.truncated ? ' · cut to fit the context' : ''}
            </span>
          }
        >
          {headingText(source.heading_path) ? <p className="mb-2 text-xs text-muted-foreground">{headingText(source.heading_path)}</p> : null}
          <p className="whitespace-pre-wrap text-sm [overflow-wrap:anywhere]" data-testid="source-text">
            {source.text || 'The passage has no text.'}
          </p>
        </DialogContent>
      ) : null}
    </Dialog>
  );
}

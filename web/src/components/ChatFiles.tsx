// Files dropped into a conversation (or picked with the paperclip): each uploaded to
// POST /api/v1/conversations/{id}/documents with its own progress, refused files with
// the server's reason, then the ingestion job followed live (SSE, lib/useIngestionJobs.ts)
// to its end. The conversation is made first when none is open; it is reloaded after
// each upload and job, so its own collection shows among the attached ones.
import * as React from 'react';
import { Paperclip } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Badge } from '@/components/ui/card';
import { Progress } from '@/components/ui/progress';
import { JobFileLines } from '@/components/JobFileLines';
import { Tooltip } from '@/components/ui/tooltip';
import { UploadList } from '@/components/UploadList';
import { ErrorNote } from '@/components/ErrorNote';
import { useApi } from '@/lib/session';
import { useUploads } from '@/lib/uploads';
import { useIngestionJobs } from '@/lib/useIngestionJobs';
import type { IngestJob } from '@/lib/types';

export const ACCEPTED_FILES = '.pdf,.txt,.md,.markdown,text/plain,text/markdown,application/pdf';

export function useChatFiles(ensureConversation: () => Promise<string | null>, onChanged: (convId: string) => void) {
  const api = useApi();
  const [error, setError] = React.useState<string | null>(null);
  const convRef = React.useRef<string | null>(null);
  const onChangedRef = React.useRef(onChanged);
  onChangedRef.current = onChanged;
  const { jobs, watch } = useIngestionJobs({ limit: 10, onError: setError });

  // A job's end reloads the conversation it was uploaded to (the one open then).
  const watchForConversation = React.useCallback(
    (job: IngestJob) => {
      const convId = convRef.current;
      watch(job, (closed) => {
        if (convId && !closed) onChangedRef.current(convId);
      });
    },
    [watch],
  );

  const { rows, send: upload } = useUploads(
    (file, onProgress) => api.uploadToConversation(convRef.current!, file, onProgress),
    watchForConversation,
    () => convRef.current && onChangedRef.current(convRef.current),
  );

  const send = async (files: File[]) => {
    if (!files.length) return;
    setError(null);
    const id = await ensureConversation();
    if (!id) return;
    convRef.current = id;
    await upload(files);
  };
  return { rows, jobs, error, send };
}

export function AttachButton({ onFiles, disabled }: { onFiles: (files: File[]) => void; disabled?: boolean }) {
  const inputRef = React.useRef<HTMLInputElement>(null);
  return (
    <>
      <Tooltip content="Add files to this chat (PDF, text, Markdown); replies answer from them">
        <Button type="button" variant="outline" size="icon" aria-label="Add files to the chat" onClick={() => inputRef.current?.click()} disabled={disabled}>
          <Paperclip aria-hidden />
        </Button>
      </Tooltip>
      <input
        ref={inputRef}
        type="file"
        multiple
        accept={ACCEPTED_FILES}
        className="sr-only"
        tabIndex={-1}
        aria-label="Files for the chat"
        data-testid="chat-file-input"
        onChange={(e) => {
          const files = Array.from(e.target.files ?? []);
          e.target.value = '';
          onFiles(files);
        }}
      />
    </>
  );
}

export function ChatFilesStatus({ rows, jobs, error }: { rows: ReturnType<typeof useChatFiles>['rows']; jobs: IngestJob[]; error: string | null }) {
  if (!rows.length && !jobs.length && !error) return null;
  return (
    <div className="flex max-h-40 flex-col gap-2 overflow-y-auto rounded-lg border p-2" aria-label="Files added to the chat" role="region" aria-live="polite">
      {error ? <ErrorNote>{error}</ErrorNote> : null}
      <UploadList rows={rows} />
      {jobs.length ? (
        <ul className="flex flex-col gap-1.5" aria-label="Ingestion">
          {jobs.map((j) => {
            const done = j.files_done + j.files_failed;
            return (
              <li key={j.id} className="flex flex-col gap-1 text-xs" data-testid="chat-job" data-status={j.status} data-finished={j.finished}>
                <div className="flex flex-wrap items-center gap-2">
                  <Badge tone={j.status === 'done' ? 'success' : j.status === 'failed' ? 'danger' : 'warning'}>{j.status}</Badge>
                  <span className="min-w-0 text-muted-foreground [overflow-wrap:anywhere]">
                    {j.files.map((f) => f.file_name).join(', ')}
                    {j.files.length ? ' · ' : ''}
                    {done}/{j.files_total} files · {j.chunks} chunks
                  </span>
                </div>
                {!j.finished ? <Progress value={j.files_total ? (done / j.files_total) * 100 : 0} label="Ingestion progress" /> : null}
                <JobFileLines job={j} />
              </li>
            );
          })}
        </ul>
      ) : null}
    </div>
  );
}

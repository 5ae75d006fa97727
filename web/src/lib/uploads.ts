// Uploads of several files, each its own request with its own progress and
// result (accepted, refused with the server's reason, or failed): the state
// behind the Documents page's upload zone and the files dropped into a chat.
import * as React from 'react';
import { errorText } from '@/lib/api';
import type { IngestJob, UploadReply } from '@/lib/types';

export interface UploadRow {
  key: string;
  name: string;
  size: number;
  fraction: number;
  state: 'uploading' | 'accepted' | 'refused' | 'failed';
  message?: string;
}

export type UploadFn = (file: File, onProgress: (fraction: number) => void) => Promise<UploadReply>;

// A row's state from the server's reply to its upload.
export function rowFromReply(reply: UploadReply): Partial<UploadRow> {
  if (reply.refused?.length) return { state: 'refused', message: reply.refused.map((r) => r.error?.message).join('; ') };
  return { state: 'accepted', fraction: 1, message: 'uploaded' };
}

export function useUploads(upload: UploadFn, onJob: (job: IngestJob) => void, onSettled?: () => void) {
  const [rows, setRows] = React.useState<UploadRow[]>([]);
  const update = React.useCallback((key: string, patch: Partial<UploadRow>) => setRows((rs) => rs.map((r) => (r.key === key ? { ...r, ...patch } : r))), []);
  const send = (files: File[]) => {
    const added = files.map((f, i) => ({ key: `${Date.now()}-${i}-${f.name}`, name: f.name, size: f.size, fraction: 0, state: 'uploading' as const }));
    setRows((rs) => [...added, ...rs].slice(0, 50));
    return Promise.all(
      files.map((file, i) => {
        const key = added[i].key;
        return upload(file, (fraction) => update(key, { fraction }))
          .then((reply) => {
            update(key, rowFromReply(reply));
            if (reply.job) onJob(reply.job);
          })
          .catch((e) => update(key, { state: 'failed', message: errorText(e) }));
      }),
    ).then(() => onSettled?.());
  };
  return { rows, send, clear: () => setRows([]) };
}

// Ingestion jobs followed live: `watch(job)` lists a job (newest first, at most `limit`)
// and, unless it is finished or already followed, reads its SSE events
// (GET /api/v1/jobs/{id}/events) to its end, replacing the listed job with each update.
// Used by the Documents page and by files dropped into a chat; each says what to
// refresh on an update (`onUpdate`) and when a job's stream ends (`watch`'s `onEnded`,
// given per job so it keeps what was current when the job started). Never leaves a
// stream open: `reset` and unmounting close them all.
import * as React from 'react';
import { errorText, isAbort } from './api';
import { useApi } from './session';
import type { IngestJob } from './types';

export interface IngestionJobsOptions {
  limit?: number; // how many jobs are listed (all when absent)
  onUpdate?: (job: IngestJob) => void; // after each update of a followed job
  onError: (message: string) => void; // a stream that failed (not one closed here)
}

export function useIngestionJobs({ limit, onUpdate, onError }: IngestionJobsOptions) {
  const api = useApi();
  const [jobs, setJobs] = React.useState<IngestJob[]>([]);
  const following = React.useRef(new Map<string, AbortController>());
  const optionsRef = React.useRef({ limit, onUpdate, onError });
  optionsRef.current = { limit, onUpdate, onError };

  const closeAll = React.useCallback(() => {
    following.current.forEach((c) => c.abort());
    following.current.clear();
  }, []);
  React.useEffect(() => closeAll, [closeAll]);

  // `onEnded` runs when the job's stream ends; `closed` says it was closed here (reset, unmount).
  const watch = React.useCallback(
    (job: IngestJob, onEnded?: (closed: boolean) => void) => {
      setJobs((js) => [job, ...js.filter((j) => j.id !== job.id)].slice(0, optionsRef.current.limit ?? Infinity));
      if (job.finished || following.current.has(job.id)) return;
      const controller = new AbortController();
      following.current.set(job.id, controller);
      api
        .jobEvents(
          job.id,
          {
            onEvent: (_event, data) => {
              const update = data as IngestJob;
              if (!update || typeof update !== 'object' || !('files' in update)) return;
              setJobs((js) => js.map((j) => (j.id === update.id ? update : j)));
              optionsRef.current.onUpdate?.(update);
            },
          },
          controller.signal,
        )
        .catch((e) => {
          if (!isAbort(e)) optionsRef.current.onError(errorText(e));
        })
        .finally(() => {
          if (following.current.get(job.id) === controller) following.current.delete(job.id);
          onEnded?.(controller.signal.aborted);
        });
    },
    [api],
  );

  // Closes every stream and empties the list (another collection is shown).
  const reset = React.useCallback(() => {
    closeAll();
    setJobs([]);
  }, [closeAll]);

  return { jobs, watch, reset };
}

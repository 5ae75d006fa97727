// The lines under an ingestion job's progress bar, wherever a job is shown
// (Documents page, files dropped into a chat): the file in hand with its stage
// (and chunks embedded so far), then each file that failed with its error.
// Only shows what the job says; never acts on it.
import type { IngestJob } from '@/lib/types';

export function JobFileLines({ job }: { job: IngestJob }) {
  const current = job.finished ? undefined : job.files.find((f) => f.stage);
  return (
    <>
      {current ? (
        <p className="text-muted-foreground [overflow-wrap:anywhere]" data-testid="job-current">
          {current.file_name}: {current.stage}
          {current.chunks_total ? ` ${current.chunks_embedded ?? 0}/${current.chunks_total} chunks embedded` : ''}
        </p>
      ) : null}
      {job.files
        .filter((f) => f.error)
        .map((f) => (
          <p key={f.document_id} className="text-destructive [overflow-wrap:anywhere]">
            {f.file_name}: {f.error}
          </p>
        ))}
    </>
  );
}

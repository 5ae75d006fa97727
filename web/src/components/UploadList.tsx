// The files being uploaded, each with its progress and then its result: the
// server's reason for a refused file in red.
import { Progress } from '@/components/ui/progress';
import type { UploadRow } from '@/lib/uploads';
import { cn } from '@/lib/utils';

export function UploadList({ rows }: { rows: UploadRow[] }) {
  if (!rows.length) return null;
  return (
    <ul className="flex flex-col gap-1.5" aria-label="Uploads">
      {rows.map((r) => {
        const bad = r.state === 'refused' || r.state === 'failed';
        return (
          <li key={r.key} className="flex flex-col gap-1 text-xs" data-testid="upload-row" data-state={r.state}>
            <div className="flex justify-between gap-2">
              <span className="min-w-0 [overflow-wrap:anywhere]" title={r.name} data-testid="upload-name">
                {r.name}
              </span>
              <span className={cn('max-w-[60%] shrink-0 text-right [overflow-wrap:anywhere]', bad ? 'text-destructive' : 'text-muted-foreground')} data-testid="upload-state">
                {r.state === 'uploading' ? `${Math.round(r.fraction * 100)}%` : r.message ?? r.state}
              </span>
            </div>
            <Progress value={r.fraction * 100} label={`Upload of ${r.name}`} tone={bad ? 'danger' : 'primary'} />
          </li>
        );
      })}
    </ul>
  );
}

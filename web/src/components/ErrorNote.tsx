// An error or notice box announced to screen readers.
import { AlertTriangle, Info } from 'lucide-react';
import { cn } from '@/lib/utils';

export function ErrorNote({ children, className }: { children: React.ReactNode; className?: string }) {
  return (
    <div role="alert" className={cn('flex items-start gap-2 rounded-md border border-destructive/40 bg-destructive/10 p-3 text-sm text-destructive', className)}>
      <AlertTriangle className="mt-0.5 h-4 w-4 shrink-0" aria-hidden />
      <div className="min-w-0 break-words">{children}</div>
    </div>
  );
}

export function Notice({ children, className }: { children: React.ReactNode; className?: string }) {
  return (
    <div role="status" className={cn('flex items-start gap-2 rounded-md border bg-muted/60 p-3 text-sm text-muted-foreground', className)}>
      <Info className="mt-0.5 h-4 w-4 shrink-0" aria-hidden />
      <div className="min-w-0 break-words">{children}</div>
    </div>
  );
}

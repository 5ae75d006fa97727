// A reasoning model's thinking, folded above its answer: a closed disclosure
// ("Reasoning") that the text streams into; open it to read along.
import { Brain } from 'lucide-react';
import { cn } from '@/lib/utils';

export function Reasoning({ text, streaming = false, className }: { text: string; streaming?: boolean; className?: string }) {
  if (!text && !streaming) return null;
  return (
    <details className={cn('group rounded-md border bg-muted/40 text-sm', className)} data-testid="reasoning">
      <summary className="flex cursor-pointer select-none items-center gap-1.5 px-2 py-1 text-xs font-medium text-muted-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring">
        <Brain className="h-3.5 w-3.5" aria-hidden />
        Reasoning
        {streaming ? <span className="font-normal">(thinking…)</span> : <span className="font-normal">({text.length} characters)</span>}
      </summary>
      <p className="max-h-60 overflow-y-auto whitespace-pre-wrap break-words border-t px-2 py-1.5 text-xs text-muted-foreground">{text}</p>
    </details>
  );
}

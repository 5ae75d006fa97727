// Progress (Radix): a determinate bar with its value announced; `tone` colours it.
import * as ProgressPrimitive from '@radix-ui/react-progress';
import { cn } from '@/lib/utils';

export function Progress({
  value,
  className,
  tone = 'primary',
  label,
}: {
  value: number;
  className?: string;
  tone?: 'primary' | 'warning' | 'danger';
  label: string;
}) {
  const v = Math.max(0, Math.min(100, value));
  const bar = tone === 'danger' ? 'bg-destructive' : tone === 'warning' ? 'bg-warning' : 'bg-primary';
  return (
    <ProgressPrimitive.Root
      value={v}
      aria-label={label}
      className={cn('relative h-2 w-full overflow-hidden rounded-full bg-secondary', className)}
    >
      <ProgressPrimitive.Indicator className={cn('h-full transition-[width]', bar)} style={{ width: `${v}%` }} />
    </ProgressPrimitive.Root>
  );
}

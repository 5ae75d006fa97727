// The retrieval mode picker of a question (Documents page) or a conversation
// (Chat's documents settings): "auto" (the server's choice) and the modes the
// caller offers (those its collections support). Only picks; never saves.
import type { RetrievalMode } from '@/lib/types';
import { cn } from '@/lib/utils';

export function RetrievalModeSelect({
  id,
  value,
  modes,
  onChange,
  disabled,
  className,
}: {
  id: string;
  value: RetrievalMode | 'auto';
  modes: RetrievalMode[];
  onChange: (mode: RetrievalMode | 'auto') => void;
  disabled?: boolean;
  className?: string;
}) {
  return (
    <select
      id={id}
      className={cn(
        'h-9 min-w-0 rounded-md border border-input bg-background px-2 text-sm focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring',
        className,
      )}
      value={value}
      onChange={(e) => onChange(e.target.value as RetrievalMode | 'auto')}
      disabled={disabled}
    >
      <option value="auto">auto (the server's choice)</option>
      {modes.map((m) => (
        <option key={m} value={m}>
          {m}
        </option>
      ))}
    </select>
  );
}

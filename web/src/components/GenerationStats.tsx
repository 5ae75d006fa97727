// The figures of a generation: tokens, time to first token, tokens/s and how it
// ended. Cells at least 6rem wide that wrap to more rows in a narrow column (three
// or four models side by side, a phone): their size follows the width only, so the
// numbers updating while streaming move nothing, and no figure is cut off.
import type { GenerationState } from '@/lib/useGeneration';
import { formatMs } from '@/lib/utils';

export function GenerationStats({ state, label }: { state: GenerationState; label?: string }) {
  const t = state.timings;
  const u = state.usage;
  const ttft = t?.time_to_first_token_ms ?? state.firstTokenMs ?? undefined;
  const tps =
    t?.generation_tokens_per_second ??
    (state.elapsedMs && state.firstTokenMs !== null && state.pieces > 1
      ? (state.pieces - 1) / ((state.elapsedMs - state.firstTokenMs) / 1000)
      : undefined);
  const cells: [string, string][] = [
    ['Prompt', u ? String(u.prompt_tokens) : '—'],
    ['Output', u ? String(u.completion_tokens) : String(state.pieces || '—')],
    ['First token', formatMs(ttft)],
    ['Tokens/s', tps !== undefined && Number.isFinite(tps) ? tps.toFixed(1) : '—'],
    ['Finish', state.finishReason ?? (state.status === 'streaming' ? 'streaming…' : '—')],
  ];
  return (
    <dl className="grid grid-cols-[repeat(auto-fit,minmax(6rem,1fr))] gap-2 text-xs tabular-nums" aria-label={label ?? 'Generation figures'} data-testid="generation-stats">
      {cells.map(([k, v]) => (
        <div key={k} className="min-w-0 rounded-md bg-muted px-2 py-1">
          <dt className="truncate text-muted-foreground">{k}</dt>
          <dd className="truncate font-medium" data-stat={k}>
            {v}
          </dd>
        </div>
      ))}
    </dl>
  );
}

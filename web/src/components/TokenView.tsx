// The reply as its tokens, each coloured by how likely the model found it
// (green likely, yellow, red unlikely; a legend below). Hovering a token, or
// moving through them with the arrow keys, shows a popover with its
// probability and the likeliest alternatives at that step. Streams: tokens are
// added as they come. One popover serves every token (no per-token widgets).
import * as React from 'react';
import { groupTokens, percent, probability, probabilityColour, tokensText, visibleToken, LEGEND_STEPS, type TokenGroup } from '@/lib/tokens';
import type { TokenLogprob } from '@/lib/types';
import { cn } from '@/lib/utils';

const POPOVER_WIDTH = 264;

function Popover({ group, anchor }: { group: TokenGroup; anchor: DOMRect }) {
  const below = anchor.bottom + 230 < window.innerHeight;
  const left = Math.max(8, Math.min(anchor.left, window.innerWidth - POPOVER_WIDTH - 8));
  const chosen = group.tokens[0];
  return (
    <div
      role="tooltip"
      id="token-popover"
      data-testid="token-popover"
      className="pointer-events-none fixed z-50 rounded-md border bg-popover p-2 text-xs text-popover-foreground shadow-md"
      style={{ left, top: below ? anchor.bottom + 6 : anchor.top - 6, width: POPOVER_WIDTH, transform: below ? undefined : 'translateY(-100%)' }}
    >
      <div className="flex items-baseline justify-between gap-2">
        <span className="truncate font-mono font-semibold">{visibleToken(group.text)}</span>
        <span className="shrink-0 tabular-nums" data-testid="token-probability">
          {percent(group.p)}
        </span>
      </div>
      <div className="text-muted-foreground">
        logprob {group.logprob.toFixed(3)}
        {group.tokens.length > 1 ? ` (${group.tokens.length} tokens, one character)` : ''}
      </div>
      {group.top.length ? (
        <>
          <div className="mt-1.5 font-medium">Top alternatives</div>
          <ol className="mt-1 flex flex-col gap-0.5" data-testid="token-alternatives">
            {group.top.map((t, i) => {
              const p = probability(t.logprob);
              const isChosen = t.token === chosen.token && Math.abs(t.logprob - chosen.logprob) < 1e-6;
              return (
                <li key={i} className={cn('grid grid-cols-[1fr_auto] items-center gap-2', isChosen && 'font-semibold')}>
                  <span className="relative truncate rounded-sm px-1 font-mono">
                    <span className="absolute inset-y-0 left-0 rounded-sm" style={{ width: `${Math.max(2, p * 100)}%`, backgroundColor: probabilityColour(p).background }} aria-hidden />
                    <span className="relative">{visibleToken(t.token)}</span>
                  </span>
                  <span className="tabular-nums">
                    {percent(p)}
                    {isChosen ? ' ✓' : ''}
                  </span>
                </li>
              );
            })}
          </ol>
        </>
      ) : null}
    </div>
  );
}

export function TokenLegend() {
  return (
    <div className="flex flex-wrap items-center gap-x-3 gap-y-1 text-xs text-muted-foreground" data-testid="token-legend" aria-label="Token colours">
      <span>Token probability:</span>
      {LEGEND_STEPS.map((p) => {
        const c = probabilityColour(p);
        return (
          <span key={p} className="flex items-center gap-1">
            <span className="inline-block h-3 w-4 rounded-sm" style={{ backgroundColor: c.background, boxShadow: `inset 0 -2px 0 ${c.border}` }} aria-hidden />
            {percent(p)}
          </span>
        );
      })}
    </div>
  );
}

export function TokenView({ tokens, text, className }: { tokens: TokenLogprob[]; text: string; className?: string }) {
  const groups = React.useMemo(() => groupTokens(tokens), [tokens]);
  const [active, setActive] = React.useState<number | null>(null);
  const [anchor, setAnchor] = React.useState<DOMRect | null>(null);
  const spans = React.useRef<(HTMLSpanElement | null)[]>([]);
  // A scroll moves the token: the popover follows it.
  React.useEffect(() => {
    if (active === null) return;
    const follow = () => setAnchor(spans.current[active]?.getBoundingClientRect() ?? null);
    window.addEventListener('scroll', follow, true);
    return () => window.removeEventListener('scroll', follow, true);
  }, [active]);
  const spelled = tokensText(groups);
  // Text the tokens do not cover yet (held back at a possible marker, or sent without logprobs).
  const tail = text.startsWith(spelled) ? text.slice(spelled.length) : '';

  const show = (i: number | null) => {
    setActive(i);
    setAnchor(i === null ? null : (spans.current[i]?.getBoundingClientRect() ?? null));
  };
  const move = (i: number) => {
    const n = Math.max(0, Math.min(groups.length - 1, i));
    spans.current[n]?.scrollIntoView?.({ block: 'nearest' });
    show(n);
  };

  return (
    <div
      className={cn('outline-none focus-visible:ring-2 focus-visible:ring-ring', className)}
      data-testid="token-view"
      role="group"
      aria-label="Tokens coloured by probability (arrow keys move between them)"
      aria-describedby={active !== null ? 'token-popover' : undefined}
      tabIndex={groups.length ? 0 : -1}
      onMouseOver={(e) => {
        const el = (e.target as HTMLElement).closest<HTMLElement>('[data-token-index]');
        if (el) show(Number(el.dataset.tokenIndex));
      }}
      onMouseLeave={() => show(null)}
      onFocus={(e) => {
        if (e.target === e.currentTarget && active === null && groups.length) move(0);
      }}
      onBlur={() => show(null)}
      onKeyDown={(e) => {
        if (!groups.length) return;
        const at = active ?? -1;
        const keys: Record<string, number> = { ArrowRight: at + 1, ArrowDown: at + 1, ArrowLeft: at - 1, ArrowUp: at - 1, Home: 0, End: groups.length - 1 };
        if (e.key in keys) {
          e.preventDefault();
          move(keys[e.key]);
        } else if (e.key === 'Escape') show(null);
      }}
    >
      {groups.map((g, i) => {
        const c = probabilityColour(g.p);
        return (
          <span
            key={i}
            ref={(el) => {
              spans.current[i] = el;
            }}
            data-token-index={i}
            data-testid="token"
            data-p={g.p.toFixed(4)}
            className={cn('rounded-[2px]', active === i && 'outline outline-2 outline-ring')}
            style={{ backgroundColor: c.background, boxShadow: `inset 0 -2px 0 ${c.border}` }}
          >
            {g.text}
          </span>
        );
      })}
      {tail}
      {active !== null && anchor && groups[active] ? <Popover group={groups[active]} anchor={anchor} /> : null}
    </div>
  );
}

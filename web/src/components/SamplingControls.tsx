// Every sampling parameter with its range and a one-line explanation: a slider
// plus a number field each (both labelled), max tokens, seed, stop sequences.
// `value` holds only what the user set; the controls show the model's own
// defaults (`defaults`, else the built-in ones) for the rest, and a reset
// button per field (and one for all) makes a field unset again. It must never
// write a default into `value`: a value there is sent with every request.
import * as React from 'react';
import { RotateCcw } from 'lucide-react';
import { Slider } from './ui/slider';
import { Input } from './ui/input';
import { Label } from './ui/label';
import { Switch } from './ui/switch';
import { Button } from './ui/button';
import { SAMPLING_FIELDS, MODEL_DEFAULT_KEYS, defaultOf, isUserSet, shownValue, withoutFields, type SamplingField } from '@/lib/sampling';
import { formatSeed, parseSeed, shortNumber } from '@/lib/format';
import type { SamplingParams } from '@/lib/types';

// Shown beside a field the user set: returns it to the model's default.
function ResetButton({ label, onReset }: { label: string; onReset: () => void }) {
  return (
    <Button variant="ghost" size="sm" className="h-7 w-7 p-0" onClick={onReset} aria-label={`Reset ${label} to the default`} title="Back to the default">
      <RotateCcw aria-hidden />
    </Button>
  );
}

function NumericField({
  field: f,
  value,
  defaults,
  id,
  onSet,
  onReset,
}: {
  field: SamplingField;
  value: SamplingParams;
  defaults: SamplingParams;
  id: string;
  onSet: (n: number) => void;
  onReset: () => void;
}) {
  const v = shownValue(f, value, defaults);
  const d = defaultOf(f, defaults);
  const set = isUserSet(value, f.key);
  return (
    <div className="flex flex-col gap-1.5" data-field={f.key} data-user-set={set}>
      <div className="flex items-center justify-between gap-2">
        <Label htmlFor={id}>{f.label}</Label>
        <div className="flex items-center gap-1">
          <span className="flex w-7 justify-center">{set ? <ResetButton label={f.label} onReset={onReset} /> : null}</span>
          <Input
            id={id}
            type="number"
            className="h-7 w-20 text-right"
            min={f.min}
            max={f.max}
            step={f.step}
            value={shortNumber(v)}
            onChange={(e) => {
              const n = Number(e.target.value);
              if (e.target.value !== '' && Number.isFinite(n)) onSet(f.integer ? Math.round(n) : n);
            }}
            aria-describedby={`${id}-help`}
          />
        </div>
      </div>
      <Slider min={f.min} max={f.max} step={f.step} value={[Math.min(f.max, Math.max(f.min, v))]} onValueChange={([n]) => onSet(n)} thumbLabel={f.label} />
      <p id={`${id}-help`} className="text-xs text-muted-foreground">
        {f.help} Default {shortNumber(d.value)}
        {d.fromModel ? " (this model's)" : ''}.
      </p>
    </div>
  );
}

// The seed as typed, digit for digit (a text field: a number field would round or reformat
// it); a seed above 2^53 - 1 or not a whole number is flagged and not sent.
function SeedField({
  id,
  seed,
  onSet,
  onRandom,
  onProblem,
}: {
  id: string;
  seed: number | undefined;
  onSet: (n: number | undefined) => void;
  onRandom: () => void;
  onProblem?: (problem: string | null) => void;
}) {
  const [text, setText] = React.useState(formatSeed(seed));
  const parsed = parseSeed(text);
  // A seed set from outside (reset, random, another model's default) replaces what was typed.
  React.useEffect(() => {
    setText((t) => {
      const p = parseSeed(t);
      return p.ok && p.seed === seed ? t : formatSeed(seed);
    });
  }, [seed]);
  const problem = parsed.ok ? null : parsed.problem;
  React.useEffect(() => onProblem?.(problem), [problem, onProblem]);
  React.useEffect(() => () => onProblem?.(null), [onProblem]);
  return (
    <div className="flex flex-col gap-1.5">
      <Label htmlFor={id}>Seed</Label>
      <div className="flex gap-1">
        <Input
          id={id}
          type="text"
          inputMode="numeric"
          autoComplete="off"
          spellCheck={false}
          value={text}
          placeholder="random"
          aria-invalid={problem !== null}
          aria-describedby={problem ? `${id}-problem` : undefined}
          onChange={(e) => {
            setText(e.target.value);
            const p = parseSeed(e.target.value);
            if (p.ok) onSet(p.seed);
          }}
        />
        <Button variant="outline" size="sm" className="h-9" onClick={onRandom} aria-label="Random seed">
          ⟳
        </Button>
      </div>
      {problem ? (
        <p id={`${id}-problem`} className="text-xs text-destructive" data-testid="seed-problem">
          {problem}
        </p>
      ) : null}
    </div>
  );
}

export function SamplingControls({
  value,
  onChange,
  defaults = {},
  idPrefix = 'p',
  onSeedProblem,
}: {
  value: SamplingParams;
  onChange: (v: SamplingParams) => void;
  defaults?: SamplingParams;
  idPrefix?: string;
  onSeedProblem?: (problem: string | null) => void; // a typed seed that cannot be sent (null again once it can)
}) {
  const set = (patch: SamplingParams) => onChange({ ...value, ...patch });
  const unset = (...keys: (keyof SamplingParams)[]) => onChange(withoutFields(value, keys));
  const anySet = MODEL_DEFAULT_KEYS.some((k) => isUserSet(value, k));
  const seed = value.seed ?? defaults.seed;
  const stop = value.stop ?? defaults.stop ?? [];
  return (
    <div className="flex flex-col gap-4">
      <div className="flex items-center justify-between gap-2">
        <p className="text-xs text-muted-foreground">Values you set are sent; the rest are the model's defaults.</p>
        <Button variant="outline" size="sm" disabled={!anySet} onClick={() => unset(...MODEL_DEFAULT_KEYS)}>
          Reset to model defaults
        </Button>
      </div>
      {SAMPLING_FIELDS.map((f) => (
        <NumericField
          key={f.key}
          field={f}
          value={value}
          defaults={defaults}
          id={`${idPrefix}-${f.key}`}
          onSet={(n) => set({ [f.key]: n })}
          onReset={() => unset(f.key)}
        />
      ))}
      <div className="grid grid-cols-2 gap-3">
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={`${idPrefix}-max_tokens`}>Max tokens</Label>
          <Input
            id={`${idPrefix}-max_tokens`}
            type="number"
            min={1}
            value={value.max_tokens ?? ''}
            placeholder="rest of context"
            onChange={(e) => set({ max_tokens: e.target.value === '' ? undefined : Math.max(1, Math.round(Number(e.target.value))) })}
          />
        </div>
        <SeedField id={`${idPrefix}-seed`} seed={seed} onSet={(n) => (n === undefined ? unset('seed') : set({ seed: n }))} onProblem={onSeedProblem}
          onRandom={() => (defaults.seed === undefined ? unset('seed') : set({ seed: -1 }))} />
      </div>
      <p className="-mt-2 text-xs text-muted-foreground">Max tokens: the answer's length limit (empty = the rest of the context). Same seed + settings = same text.</p>
      <div className="flex flex-col gap-1.5" data-field="stop" data-user-set={isUserSet(value, 'stop')}>
        <div className="flex items-center justify-between gap-2">
          <Label htmlFor={`${idPrefix}-stop`}>Stop sequences</Label>
          {isUserSet(value, 'stop') ? <ResetButton label="Stop sequences" onReset={() => unset('stop')} /> : null}
        </div>
        <Input
          id={`${idPrefix}-stop`}
          value={stop.map((s) => s.replace(/\n/g, '\\n')).join(', ')}
          placeholder="comma-separated, e.g. \n\n, The end"
          onChange={(e) =>
            set({
              stop: e.target.value
                .split(',')
                .map((s) => s.trim().replace(/\\n/g, '\n'))
                .filter(Boolean),
            })
          }
        />
        <p className="text-xs text-muted-foreground">
          The text ends before the first of these (write \n for a newline).{defaults.stop?.length && !isUserSet(value, 'stop') ? " These are the model's own." : ''}
        </p>
      </div>
      <div className="flex items-center justify-between gap-2">
        <Label htmlFor={`${idPrefix}-ignore_eos`}>Ignore end of text</Label>
        <Switch id={`${idPrefix}-ignore_eos`} checked={Boolean(value.ignore_eos ?? defaults.ignore_eos)} onCheckedChange={(c) => set({ ignore_eos: c })} />
      </div>
    </div>
  );
}

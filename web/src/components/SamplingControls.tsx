// Every sampling parameter with its default, range and a one-line explanation:
// a slider plus a number field each (both labelled), max tokens, seed, stop sequences.
import { Slider } from './ui/slider';
import { Input } from './ui/input';
import { Label } from './ui/label';
import { Switch } from './ui/switch';
import { Button } from './ui/button';
import { SAMPLING_FIELDS } from '@/lib/sampling';
import type { SamplingParams } from '@/lib/types';

export function SamplingControls({
  value,
  onChange,
  idPrefix = 'p',
}: {
  value: SamplingParams;
  onChange: (v: SamplingParams) => void;
  idPrefix?: string;
}) {
  const set = (patch: SamplingParams) => onChange({ ...value, ...patch });
  return (
    <div className="flex flex-col gap-4">
      {SAMPLING_FIELDS.map((f) => {
        const v = (value[f.key] as number | undefined) ?? f.default;
        const id = `${idPrefix}-${f.key}`;
        return (
          <div key={f.key} className="flex flex-col gap-1.5">
            <div className="flex items-center justify-between gap-2">
              <Label htmlFor={id}>{f.label}</Label>
              <Input
                id={id}
                type="number"
                className="h-7 w-20 text-right"
                min={f.min}
                max={f.max}
                step={f.step}
                value={v}
                onChange={(e) => {
                  const n = Number(e.target.value);
                  if (e.target.value !== '' && Number.isFinite(n)) set({ [f.key]: f.integer ? Math.round(n) : n });
                }}
                aria-describedby={`${id}-help`}
              />
            </div>
            <Slider
              min={f.min}
              max={f.max}
              step={f.step}
              value={[Math.min(f.max, Math.max(f.min, v))]}
              onValueChange={([n]) => set({ [f.key]: n })}
              thumbLabel={f.label}
            />
            <p id={`${id}-help`} className="text-xs text-muted-foreground">
              {f.help} Default {f.default}.
            </p>
          </div>
        );
      })}
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
        <div className="flex flex-col gap-1.5">
          <Label htmlFor={`${idPrefix}-seed`}>Seed</Label>
          <div className="flex gap-1">
            <Input
              id={`${idPrefix}-seed`}
              type="number"
              min={-1}
              value={value.seed ?? ''}
              placeholder="random"
              onChange={(e) => set({ seed: e.target.value === '' ? undefined : Math.round(Number(e.target.value)) })}
            />
            <Button variant="outline" size="sm" className="h-9" onClick={() => set({ seed: undefined })} aria-label="Random seed">
              ⟳
            </Button>
          </div>
        </div>
      </div>
      <p className="-mt-2 text-xs text-muted-foreground">Max tokens: the answer's length limit (empty = the rest of the context). Same seed + settings = same text.</p>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor={`${idPrefix}-stop`}>Stop sequences</Label>
        <Input
          id={`${idPrefix}-stop`}
          value={(value.stop ?? []).join(', ')}
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
        <p className="text-xs text-muted-foreground">The text ends before the first of these (write \n for a newline).</p>
      </div>
      <div className="flex items-center justify-between gap-2">
        <Label htmlFor={`${idPrefix}-ignore_eos`}>Ignore end of text</Label>
        <Switch id={`${idPrefix}-ignore_eos`} checked={Boolean(value.ignore_eos)} onCheckedChange={(c) => set({ ignore_eos: c })} />
      </div>
    </div>
  );
}

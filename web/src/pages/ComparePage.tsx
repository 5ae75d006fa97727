// Compare: one prompt to 2–4 models side by side, all streaming at once, each
// with its time to first token, tokens/s and token counts; same settings and
// seed for all, so differences come from the models. Each model gets at most its
// own context as max tokens (the column says when it was capped); the seed is
// taken digit for digit (lib/format.ts).
import * as React from 'react';
import { Play, Plus, Square, X } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Input, Textarea } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Card, CardContent, CardHeader } from '@/components/ui/card';
import { ModelPicker, useModels, isGenerationModel } from '@/components/ModelPicker';
import { GenerationStats } from '@/components/GenerationStats';
import { ErrorNote } from '@/components/ErrorNote';
import { useApi } from '@/lib/session';
import { useGeneration } from '@/lib/useGeneration';
import { capMaxTokens, contextOf } from '@/lib/sampling';
import { parseSeed, shortNumber } from '@/lib/format';
import { cn } from '@/lib/utils';
import type { ApiClient } from '@/lib/api';

interface Settings {
  prompt: string;
  max_tokens: number;
  temperature: number;
  seed: string; // as typed; parsed when sent
}

// One column; `runKey` changes start it, `stopKey` changes stop it.
function Column({
  api,
  index,
  model,
  setModel,
  models,
  settings,
  runKey,
  stopKey,
  onStreaming,
  onRemove,
}: {
  api: ApiClient;
  index: number;
  model: string;
  setModel: (m: string) => void;
  models: ReturnType<typeof useModels>['models'];
  settings: Settings;
  runKey: number;
  stopKey: number;
  onStreaming: (index: number, streaming: boolean) => void;
  onRemove?: () => void;
}) {
  const { state, run, stop } = useGeneration(api);
  const contextLength = contextOf(models?.find((m) => m.name === model));
  const maxTokens = capMaxTokens(settings.max_tokens, contextLength);
  const settingsRef = React.useRef({ settings, maxTokens });
  settingsRef.current = { settings, maxTokens };
  React.useEffect(() => {
    if (runKey === 0 || !model) return;
    const { settings: s, maxTokens: max } = settingsRef.current;
    const seed = parseSeed(s.seed);
    void run((handlers, signal) =>
      api.generate({ model, prompt: s.prompt, max_tokens: max, temperature: s.temperature, seed: seed.ok ? seed.seed : undefined }, handlers, signal),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [runKey]);
  React.useEffect(() => {
    if (stopKey) stop();
  }, [stopKey, stop]);
  React.useEffect(() => onStreaming(index, state.status === 'streaming'), [index, state.status, onStreaming]);

  return (
    <Card className="flex min-w-0 flex-col" data-testid={`compare-column-${index}`}>
      <CardHeader className="flex-row items-end gap-2">
        <div className="flex-1">
          <ModelPicker id={`compare-model-${index}`} label={`Model ${index + 1}`} value={model} onChange={setModel} models={models} disabled={state.status === 'streaming'} />
        </div>
        {onRemove ? (
          <Button variant="ghost" size="icon" aria-label={`Remove model ${index + 1}`} onClick={onRemove} disabled={state.status === 'streaming'}>
            <X aria-hidden />
          </Button>
        ) : null}
      </CardHeader>
      <CardContent className="flex flex-1 flex-col gap-2">
        <div
          className="h-72 overflow-y-auto whitespace-pre-wrap break-words rounded-md border p-2 font-mono text-sm"
          aria-live="polite"
          aria-label={`Output of model ${index + 1}`}
          data-testid="compare-output"
        >
          {state.text}
        </div>
        <p className="h-4 truncate text-xs text-muted-foreground" data-testid="compare-cap">
          {maxTokens < settings.max_tokens ? `Max tokens ${maxTokens}: this model's context.` : ''}
        </p>
        {state.error ? <ErrorNote>{state.error}</ErrorNote> : null}
        <GenerationStats state={state} label={`Figures of model ${index + 1}`} />
      </CardContent>
    </Card>
  );
}

export default function ComparePage() {
  const api = useApi();
  const { models, error } = useModels();
  const [chosen, setChosen] = React.useState<string[]>([]);
  const [settings, setSettings] = React.useState<Settings>({ prompt: 'Once upon a time', max_tokens: 128, temperature: 0.8, seed: '42' });
  const seed = parseSeed(settings.seed);
  const [runKey, setRunKey] = React.useState(0);
  const [stopKey, setStopKey] = React.useState(0);
  const [streaming, setStreaming] = React.useState<Record<number, boolean>>({});
  const anyStreaming = Object.values(streaming).some(Boolean);
  const onStreaming = React.useCallback((i: number, s: boolean) => setStreaming((m) => (m[i] === s ? m : { ...m, [i]: s })), []);

  React.useEffect(() => {
    if (!models || chosen.length) return;
    const names = models.filter(isGenerationModel).map((m) => m.name);
    setChosen(names.length >= 2 ? names.slice(0, 2) : [names[0] ?? '', names[0] ?? '']);
  }, [models, chosen.length]);

  return (
    <div className="flex flex-col gap-4">
      <h1 className="text-xl font-semibold">Compare models</h1>
      {error ? <ErrorNote>Models could not be listed: {error}</ErrorNote> : null}
      <form
        className="grid gap-3 md:grid-cols-[1fr_auto]"
        onSubmit={(e) => {
          e.preventDefault();
          if (!anyStreaming && seed.ok) setRunKey((k) => k + 1);
        }}
      >
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="compare-prompt">Prompt</Label>
          <Textarea id="compare-prompt" rows={3} value={settings.prompt} onChange={(e) => setSettings({ ...settings, prompt: e.target.value })} />
        </div>
        <div className="grid grid-cols-3 gap-2 md:w-80 md:grid-cols-3">
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="compare-max">Max tokens</Label>
            <Input id="compare-max" type="number" min={1} value={settings.max_tokens} onChange={(e) => setSettings({ ...settings, max_tokens: Math.max(1, Number(e.target.value) || 1) })} />
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="compare-temp">Temperature</Label>
            <Input id="compare-temp" type="number" min={0} max={5} step={0.05} value={shortNumber(settings.temperature)} onChange={(e) => setSettings({ ...settings, temperature: Number(e.target.value) })} />
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="compare-seed">Seed</Label>
            <Input
              id="compare-seed"
              inputMode="numeric"
              autoComplete="off"
              value={settings.seed}
              placeholder="random"
              aria-invalid={!seed.ok}
              aria-describedby={seed.ok ? undefined : 'compare-seed-problem'}
              onChange={(e) => setSettings({ ...settings, seed: e.target.value })}
            />
          </div>
          {seed.ok ? null : (
            <p id="compare-seed-problem" className="col-span-3 text-xs text-destructive" data-testid="seed-problem">
              {seed.problem}
            </p>
          )}
          <div className="col-span-3 flex gap-2">
            {anyStreaming ? (
              <Button variant="destructive" className="flex-1" onClick={() => setStopKey((k) => k + 1)}>
                <Square aria-hidden /> Stop all
              </Button>
            ) : (
              <Button type="submit" className="flex-1" disabled={chosen.some((c) => !c) || !seed.ok}>
                <Play aria-hidden /> Run on {chosen.length} models
              </Button>
            )}
            <Button
              variant="outline"
              disabled={chosen.length >= 4 || anyStreaming}
              onClick={() => setChosen([...chosen, chosen[chosen.length - 1] ?? ''])}
              aria-label="Add a model"
            >
              <Plus aria-hidden />
            </Button>
          </div>
        </div>
      </form>
      <div className={cn('grid grid-cols-1 gap-3 md:grid-cols-2', chosen.length === 3 && 'xl:grid-cols-3', chosen.length === 4 && 'xl:grid-cols-4')} data-testid="compare-columns">
        {chosen.map((m, i) => (
          <Column
            key={i}
            api={api}
            index={i}
            model={m}
            setModel={(v) => setChosen(chosen.map((c, j) => (j === i ? v : c)))}
            models={models}
            settings={settings}
            runKey={runKey}
            stopKey={stopKey}
            onStreaming={onStreaming}
            onRemove={chosen.length > 2 && i === chosen.length - 1 ? () => setChosen(chosen.slice(0, -1)) : undefined}
          />
        ))}
      </div>
    </div>
  );
}

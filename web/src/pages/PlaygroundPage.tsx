// Playground: one prompt (and system prompt) to one model with every sampling
// parameter; the output streams in a fixed-height box with Stop, copy and
// regenerate, and the figures of the run (tokens, first token, tokens/s).
import * as React from 'react';
import { Play, Square, Copy, RotateCcw } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Textarea } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { ModelPicker, useModels } from '@/components/ModelPicker';
import { SamplingControls } from '@/components/SamplingControls';
import { GenerationStats } from '@/components/GenerationStats';
import { ErrorNote } from '@/components/ErrorNote';
import { useApi } from '@/lib/session';
import { useGeneration } from '@/lib/useGeneration';
import { samplingBody, modelDefaults, DEFAULT_MAX_TOKENS } from '@/lib/sampling';
import type { SamplingParams } from '@/lib/types';

export default function PlaygroundPage() {
  const api = useApi();
  const { models, defaultModel, error: modelsError } = useModels();
  const [model, setModel] = React.useState('');
  const [prompt, setPrompt] = React.useState('Once upon a time');
  const [system, setSystem] = React.useState('');
  // Only what the user set: the model's own defaults apply to the rest (server side), and show in the controls.
  const [params, setParams] = React.useState<SamplingParams>({ max_tokens: DEFAULT_MAX_TOKENS });
  const defaults = modelDefaults(models?.find((m) => m.name === model));
  const { state, run, stop } = useGeneration(api);
  const streaming = state.status === 'streaming';
  const [copied, setCopied] = React.useState(false);

  React.useEffect(() => {
    if (!model && defaultModel) setModel(defaultModel);
  }, [model, defaultModel]);

  const generate = () =>
    run((handlers, signal) =>
      api.generate({ model, prompt, system_prompt: system || undefined, ...samplingBody(params) }, handlers, signal),
    );

  return (
    <div className="grid gap-4 lg:grid-cols-[1fr_320px]">
      <div className="flex min-w-0 flex-col gap-4">
        <h1 className="text-xl font-semibold">Playground</h1>
        {modelsError ? <ErrorNote>Models could not be listed: {modelsError}</ErrorNote> : null}
        <form
          className="flex flex-col gap-3"
          onSubmit={(e) => {
            e.preventDefault();
            if (!streaming) void generate();
          }}
        >
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="system-prompt">System prompt</Label>
            <Textarea id="system-prompt" rows={2} value={system} onChange={(e) => setSystem(e.target.value)} placeholder="Optional: put before the prompt" />
          </div>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="prompt">Prompt</Label>
            <Textarea
              id="prompt"
              rows={4}
              value={prompt}
              onChange={(e) => setPrompt(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                  e.preventDefault();
                  if (!streaming) void generate();
                }
              }}
            />
            <p className="text-xs text-muted-foreground">Ctrl+Enter generates.</p>
          </div>
          <div className="flex flex-wrap gap-2">
            {streaming ? (
              <Button variant="destructive" onClick={stop}>
                <Square aria-hidden /> Stop
              </Button>
            ) : (
              <Button type="submit" disabled={!model}>
                <Play aria-hidden /> Generate
              </Button>
            )}
            <Button variant="outline" disabled={streaming || state.status === 'idle'} onClick={() => void generate()}>
              <RotateCcw aria-hidden /> Regenerate
            </Button>
            <Button
              variant="outline"
              disabled={!state.text}
              onClick={() => {
                void navigator.clipboard?.writeText(state.text);
                setCopied(true);
                setTimeout(() => setCopied(false), 1200);
              }}
            >
              <Copy aria-hidden /> {copied ? 'Copied' : 'Copy'}
            </Button>
          </div>
        </form>
        <Card>
          <CardHeader>
            <CardTitle>Output</CardTitle>
          </CardHeader>
          <CardContent className="flex flex-col gap-3">
            <div
              className="h-[40vh] min-h-[200px] overflow-y-auto whitespace-pre-wrap break-words rounded-md border bg-background p-3 font-mono text-sm"
              data-testid="output"
              aria-live="polite"
              aria-busy={streaming}
              aria-label="Generated text"
            >
              <span className="text-muted-foreground">{state.text || state.status !== 'idle' ? '' : 'The generated text appears here.'}</span>
              {state.text}
              {streaming ? <span className="ml-0.5 inline-block h-4 w-2 animate-pulse bg-primary align-middle" aria-hidden /> : null}
            </div>
            {state.error ? <ErrorNote>{state.error}</ErrorNote> : null}
            <GenerationStats state={state} />
            <p className="h-4 text-xs text-muted-foreground" data-testid="generation-status">
              {state.status === 'stopped' ? 'Stopped.' : state.status === 'done' ? `Done${state.done && 'seed' in state.done ? ` (seed ${String(state.done.seed)})` : ''}.` : ''}
            </p>
          </CardContent>
        </Card>
      </div>
      <aside className="flex flex-col gap-4" aria-label="Settings">
        <ModelPicker id="model" value={model} onChange={setModel} models={models} disabled={streaming} />
        <Card>
          <CardHeader>
            <CardTitle>Sampling</CardTitle>
          </CardHeader>
          <CardContent>
            <SamplingControls value={params} onChange={setParams} defaults={defaults} />
          </CardContent>
        </Card>
      </aside>
    </div>
  );
}

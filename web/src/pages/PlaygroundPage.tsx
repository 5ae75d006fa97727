// Playground: one prompt (and system prompt) to one model with every sampling
// parameter; the output streams in a fixed-height box with Stop, copy and
// regenerate, and the figures of the run (tokens, first token, tokens/s).
// Structured output (JSON object, a JSON Schema, or a GBNF grammar), tools
// (functions the model may call; the calls show with a box for each result and
// Continue), the tokens coloured by probability with the alternatives on hover,
// and a reasoning model's thinking folded above the answer. Without functions
// the prompt goes to the generate route; with them, to the chat route as a user
// message (after the system prompt), and Continue sends the history with the
// calls and their results.
import * as React from 'react';
import { Play, Square, Copy, RotateCcw } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Textarea } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Switch } from '@/components/ui/switch';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { ModelPicker, useModels } from '@/components/ModelPicker';
import { SamplingControls } from '@/components/SamplingControls';
import { GenerationStats } from '@/components/GenerationStats';
import { ErrorNote } from '@/components/ErrorNote';
import { StructuredOutputPanel } from '@/components/StructuredOutputPanel';
import { ToolsPanel, ToolCallsView, ToolSteps } from '@/components/ToolsPanel';
import { TokenView, TokenLegend } from '@/components/TokenView';
import { Reasoning } from '@/components/Reasoning';
import { useApi } from '@/lib/session';
import { usePlaygroundState } from '@/lib/playgroundState';
import { seedNote } from '@/lib/format';
import { samplingBody, modelDefaults } from '@/lib/sampling';
import {
  followUpChoice, historyWithResults, structuredFields, structuredProblem, toolDefinitions, toolFields, toolsProblem,
} from '@/lib/structured';
import { splitThinking } from '@/lib/replyStream';
import type { ChatMessage } from '@/lib/types';

// With logprobs on: the likeliest 5 tokens at each step come with each token.
const TOP_LOGPROBS = 5;

export default function PlaygroundPage() {
  const api = useApi();
  const { models, defaultModel, error: modelsError } = useModels();
  // Held by the app (lib/playgroundState.tsx): kept while other pages are shown, the settings across reloads too.
  const { settings, update, history, setHistory, steps, setSteps, generation } = usePlaygroundState();
  const { model, prompt, system, params, structured, tools, toolChoice, showTokens } = settings;
  const [setModel, setPrompt, setSystem, setParams] = [update('model'), update('prompt'), update('system'), update('params')];
  const [setStructured, setTools, setToolChoice, setShowTokens] = [update('structured'), update('tools'), update('toolChoice'), update('showTokens')];
  const defaults = modelDefaults(models?.find((m) => m.name === model));
  const { state, run, stop } = generation;
  const streaming = state.status === 'streaming';
  const [copied, setCopied] = React.useState(false);
  // A seed typed that cannot be sent (not a whole number, or above 2^53 - 1): this page only, not remembered.
  const [seedProblem, setSeedProblem] = React.useState<string | null>(null);

  // The remembered model when the server still has it, else the server's default.
  React.useEffect(() => {
    if (!defaultModel) return;
    if (!model || (models && !models.some((m) => m.name === model))) setModel(defaultModel);
  }, [model, models, defaultModel, setModel]);

  const problem = seedProblem ?? structuredProblem(structured) ?? (tools.length ? toolsProblem(tools, toolChoice) : null);
  const extras = () => ({ ...structuredFields(structured), ...(showTokens ? { logprobs: true, top_logprobs: TOP_LOGPROBS } : {}), ...samplingBody(params) });

  const generate = () => {
    if (problem) return;
    setSteps([]);
    if (tools.length === 0) {
      setHistory([]);
      return run((handlers, signal) =>
        api.generate({ model, prompt, system_prompt: system || undefined, ...extras() }, handlers, signal),
      );
    }
    const messages: ChatMessage[] = [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user', content: prompt }];
    setHistory(messages);
    return run((handlers, signal) => api.chat({ model, messages, ...toolFields(tools, toolChoice), ...extras() }, handlers, signal));
  };

  // The results typed for the reply's calls: the history with them, and the next reply.
  const continueWithResults = (results: Record<string, string>, offerTools: boolean) => {
    const reply = { text: state.text, toolCalls: state.toolCalls };
    const messages = historyWithResults(history, reply, results);
    if (state.reasoning) messages[history.length] = { ...messages[history.length], reasoning_content: state.reasoning };
    setHistory(messages);
    setSteps((s) => [...s, { text: state.text, calls: state.toolCalls, results }]);
    const toolBody = offerTools && tools.length ? { tools: toolDefinitions(tools), tool_choice: followUpChoice(toolChoice) } : {};
    return run((handlers, signal) => api.chat({ model, messages, ...toolBody, ...extras() }, handlers, signal));
  };

  // A reasoning model's thinking: its own events, or a leading <think> block the server left in the text.
  const inline = splitThinking(state.text);
  const reasoning = state.reasoning || inline.reasoning;
  const answer = state.reasoning ? state.text : inline.answer;

  return (
    <div className="grid grid-cols-1 gap-4 lg:grid-cols-[minmax(0,1fr)_320px]">
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
              <Button type="submit" disabled={!model || problem !== null} aria-describedby={problem ? 'request-problem' : undefined}>
                <Play aria-hidden /> Generate
              </Button>
            )}
            <Button variant="outline" disabled={streaming || state.status === 'idle' || problem !== null} onClick={() => void generate()}>
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
          {problem ? (
            <p id="request-problem" className="text-xs text-destructive" data-testid="request-problem">
              Not sent until this is fixed: {problem}
            </p>
          ) : null}
        </form>
        <Card data-testid="output-card">
          <CardHeader className="flex flex-row flex-wrap items-center justify-between gap-2">
            <CardTitle>Output</CardTitle>
            <div className="flex items-center gap-2">
              <Switch id="show-tokens" checked={showTokens} onCheckedChange={setShowTokens} disabled={streaming} />
              <Label htmlFor="show-tokens" className="text-xs font-normal">
                Show token probabilities
              </Label>
            </div>
          </CardHeader>
          <CardContent className="flex flex-col gap-3">
            <ToolSteps steps={steps} />
            <Reasoning text={reasoning} streaming={streaming && Boolean(reasoning) && !answer} />
            <div
              className="h-[40vh] min-h-[200px] overflow-y-auto whitespace-pre-wrap break-words rounded-md border bg-background p-3 font-mono text-sm"
              data-testid="output"
              aria-live="polite"
              aria-busy={streaming}
              aria-label="Generated text"
            >
              <span className="text-muted-foreground">{state.text || state.status !== 'idle' ? '' : 'The generated text appears here.'}</span>
              {showTokens && state.tokens.length ? <TokenView tokens={state.tokens} text={answer} className="inline" /> : answer}
              {!answer && state.toolCalls.length && !streaming ? <span className="text-muted-foreground">No text: the reply calls a tool (below).</span> : null}
              {streaming ? <span className="ml-0.5 inline-block h-4 w-2 animate-pulse bg-primary align-middle" aria-hidden /> : null}
            </div>
            {showTokens ? <TokenLegend /> : null}
            {state.toolCalls.length && state.status === 'done' ? (
              <ToolCallsView key={state.id ?? 'calls'} calls={state.toolCalls} onContinue={(r, offer) => void continueWithResults(r, offer)} disabled={streaming} />
            ) : null}
            {state.error ? <ErrorNote>{state.error}</ErrorNote> : null}
            <GenerationStats state={state} />
            <p className="h-4 text-xs text-muted-foreground" data-testid="generation-status">
              {state.status === 'stopped' ? 'Stopped.' : state.status === 'done' ? `Done${seedNote(state.done?.seed) ? ` (${seedNote(state.done?.seed)})` : ''}.` : ''}
            </p>
          </CardContent>
        </Card>
      </div>
      <aside className="flex flex-col gap-4" aria-label="Settings">
        <ModelPicker id="model" value={model} onChange={setModel} models={models} disabled={streaming} />
        <Card>
          <CardHeader>
            <CardTitle>Structured output</CardTitle>
          </CardHeader>
          <CardContent>
            <StructuredOutputPanel value={structured} onChange={setStructured} disabled={streaming} />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Tools</CardTitle>
          </CardHeader>
          <CardContent>
            <ToolsPanel tools={tools} onToolsChange={setTools} choice={toolChoice} onChoiceChange={setToolChoice} disabled={streaming} />
          </CardContent>
        </Card>
        <Card>
          <CardHeader>
            <CardTitle>Sampling</CardTitle>
          </CardHeader>
          <CardContent>
            <SamplingControls value={params} onChange={setParams} defaults={defaults} onSeedProblem={setSeedProblem} />
          </CardContent>
        </Card>
      </aside>
    </div>
  );
}

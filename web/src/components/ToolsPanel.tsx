// Tools: functions the model may call (name, description, parameters as a
// JSON Schema checked as it is typed) and the tool choice (auto, none,
// required, or one named function). A reply's calls show with their arguments
// and a box per call for the tool's result; Continue sends the history with the
// assistant's calls and the results (`role: "tool"`) and shows the next reply.
import * as React from 'react';
import { Plus, Trash2, Wrench, Play } from 'lucide-react';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from './ui/select';
import { Input, Textarea } from './ui/input';
import { Label } from './ui/label';
import { Button } from './ui/button';
import { Switch } from './ui/switch';
import { SchemaEditor } from './StructuredOutputPanel';
import { EXAMPLE_PARAMETERS, prettyArguments, toolProblem, type ToolChoiceSetting, type ToolDraft } from '@/lib/structured';
import type { ToolCall } from '@/lib/types';

export function ToolsPanel({
  tools,
  onToolsChange,
  choice,
  onChoiceChange,
  disabled,
}: {
  tools: ToolDraft[];
  onToolsChange: (t: ToolDraft[]) => void;
  choice: ToolChoiceSetting;
  onChoiceChange: (c: ToolChoiceSetting) => void;
  disabled?: boolean;
}) {
  const update = (key: number, patch: Partial<ToolDraft>) => {
    const old = tools.find((t) => t.key === key);
    onToolsChange(tools.map((t) => (t.key === key ? { ...t, ...patch } : t)));
    // A forced function that is renamed stays forced under its new name.
    if (old && patch.name !== undefined && choice === `function:${old.name}`) onChoiceChange(`function:${patch.name}`);
  };
  const remove = (key: number) => {
    const old = tools.find((t) => t.key === key);
    onToolsChange(tools.filter((t) => t.key !== key));
    if (old && choice === `function:${old.name}`) onChoiceChange('auto');
  };
  const add = () => {
    const key = Math.max(0, ...tools.map((t) => t.key)) + 1;
    const names = new Set(tools.map((t) => t.name));
    let name = 'get_weather';
    for (let i = 2; names.has(name); i++) name = `get_weather_${i}`;
    onToolsChange([...tools, { key, name, description: 'The current weather in a city', parametersText: EXAMPLE_PARAMETERS }]);
  };
  const named = tools.filter((t) => /^[A-Za-z0-9_-]{1,64}$/.test(t.name));
  return (
    <div className="flex flex-col gap-3" data-testid="tools-panel">
      {tools.length === 0 ? (
        <p className="text-xs text-muted-foreground">No functions. Add one and the prompt goes to the chat route as a user message, with the functions the model may call.</p>
      ) : null}
      <ul className="flex flex-col gap-3">
        {tools.map((t, i) => {
          const problem = toolProblem(t, tools.filter((o) => o.key !== t.key).map((o) => o.name));
          return (
            <li key={t.key} className="flex flex-col gap-2 rounded-md border p-2" data-testid="tool-definition" aria-label={`Function ${i + 1}`}>
              <div className="flex items-end gap-2">
                <div className="flex flex-1 flex-col gap-1">
                  <Label htmlFor={`tool-${t.key}-name`}>Function name</Label>
                  <Input
                    id={`tool-${t.key}-name`}
                    className="h-8 font-mono"
                    value={t.name}
                    disabled={disabled}
                    onChange={(e) => update(t.key, { name: e.target.value })}
                    aria-invalid={problem !== null && !/^Parameters/.test(problem)}
                  />
                </div>
                <Button variant="ghost" size="icon" className="h-8 w-8" disabled={disabled} onClick={() => remove(t.key)} aria-label={`Remove function ${t.name || i + 1}`}>
                  <Trash2 aria-hidden />
                </Button>
              </div>
              {problem && !/^Parameters/.test(problem) ? <p className="text-xs text-destructive">{problem}</p> : null}
              <div className="flex flex-col gap-1">
                <Label htmlFor={`tool-${t.key}-description`}>Description</Label>
                <Input
                  id={`tool-${t.key}-description`}
                  className="h-8"
                  value={t.description}
                  disabled={disabled}
                  placeholder="What it does (optional)"
                  onChange={(e) => update(t.key, { description: e.target.value })}
                />
              </div>
              <SchemaEditor
                id={`tool-${t.key}-parameters`}
                label="Parameters (JSON Schema)"
                value={t.parametersText}
                onChange={(parametersText) => update(t.key, { parametersText })}
                requireObject
                allowEmpty
                rows={5}
                disabled={disabled}
              />
            </li>
          );
        })}
      </ul>
      <Button variant="outline" size="sm" onClick={add} disabled={disabled}>
        <Plus aria-hidden /> Add function
      </Button>
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="tool-choice">Tool choice</Label>
        <Select value={choice} onValueChange={(c) => onChoiceChange(c as ToolChoiceSetting)} disabled={disabled || tools.length === 0}>
          <SelectTrigger id="tool-choice" aria-label="Tool choice">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            <SelectItem value="auto">Auto (the model decides)</SelectItem>
            <SelectItem value="none">None (no calls)</SelectItem>
            <SelectItem value="required">Required (some call)</SelectItem>
            {named.map((t) => (
              <SelectItem key={t.key} value={`function:${t.name}`}>
                {`Call ${t.name}`}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
        <p className="text-xs text-muted-foreground">A forced call (required or a named function) applies to the first reply; the reply after the results may choose.</p>
      </div>
    </div>
  );
}

// One round of calls already answered, for the list of earlier steps.
export interface ToolStep {
  text: string;
  calls: ToolCall[];
  results: Record<string, string>;
}

// The reply's calls, each with its arguments and a box for the tool's result, and Continue.
export function ToolCallsView({
  calls,
  onContinue,
  disabled,
}: {
  calls: ToolCall[];
  onContinue: (results: Record<string, string>, offerTools: boolean) => void;
  disabled?: boolean;
}) {
  const [results, setResults] = React.useState<Record<string, string>>({});
  const [offerTools, setOfferTools] = React.useState(true);
  return (
    <form
      className="flex flex-col gap-3 rounded-md border border-primary/40 bg-primary/5 p-3"
      data-testid="tool-calls"
      aria-label="Tool calls"
      onSubmit={(e) => {
        e.preventDefault();
        if (!disabled) onContinue(results, offerTools);
      }}
    >
      <p className="flex items-center gap-1.5 text-sm font-medium">
        <Wrench className="h-4 w-4" aria-hidden />
        The model called {calls.length === 1 ? 'a tool' : `${calls.length} tools`}. Type each result, then Continue.
      </p>
      {calls.map((c, i) => (
        <div key={c.id || i} className="flex flex-col gap-1.5" data-testid="tool-call" data-name={c.function.name}>
          <div className="text-xs text-muted-foreground">
            <span className="font-mono font-semibold text-foreground">{c.function.name}</span>
            {c.id ? <span className="ml-2">id {c.id}</span> : null}
          </div>
          <pre className="max-h-40 overflow-auto rounded bg-background p-2 font-mono text-xs" data-testid="tool-call-arguments">
            {prettyArguments(c.function.arguments)}
          </pre>
          <Label htmlFor={`tool-result-${i}`}>Result of {c.function.name}</Label>
          <Textarea
            id={`tool-result-${i}`}
            rows={2}
            className="font-mono text-xs"
            placeholder='What the tool returned, e.g. {"temperature": 21}'
            value={results[c.id] ?? ''}
            onChange={(e) => setResults((r) => ({ ...r, [c.id]: e.target.value }))}
          />
        </div>
      ))}
      <div className="flex flex-wrap items-center gap-3">
        <Button type="submit" disabled={disabled}>
          <Play aria-hidden /> Continue
        </Button>
        <div className="flex items-center gap-2">
          <Switch id="offer-tools" checked={offerTools} onCheckedChange={setOfferTools} />
          <Label htmlFor="offer-tools" className="text-xs font-normal">
            Offer the tools again
          </Label>
        </div>
      </div>
      <p className="text-xs text-muted-foreground">
        Off: the next reply gets no tools (a shorter prompt, for small contexts).
      </p>
    </form>
  );
}

// Calls already answered, oldest first: what was called with what, and the result given.
export function ToolSteps({ steps }: { steps: ToolStep[] }) {
  if (steps.length === 0) return null;
  return (
    <ol className="flex flex-col gap-1 rounded-md border bg-muted/40 p-2 text-xs" data-testid="tool-steps" aria-label="Earlier steps">
      {steps.flatMap((s, i) => [
        s.text ? (
          <li key={`${i}-text`} className="whitespace-pre-wrap break-words text-muted-foreground">
            {s.text}
          </li>
        ) : null,
        ...s.calls.map((c) => (
          <li key={`${i}-${c.id}`} className="break-words font-mono">
            <span className="text-muted-foreground">called </span>
            {c.function.name}({c.function.arguments}) <span className="text-muted-foreground">→</span> {s.results[c.id] || '""'}
          </li>
        )),
      ])}
    </ol>
  );
}

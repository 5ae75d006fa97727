// Structured output: off, any JSON object, a JSON Schema (edited here and
// checked as it is typed: where the JSON breaks, and whether it describes an
// object), or a GBNF grammar. Sent as `response_format` or `grammar`; the server
// checks them again and refuses a bad one with a 400 the page shows.
import * as React from 'react';
import { Check, AlertTriangle } from 'lucide-react';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from './ui/select';
import { Input, Textarea } from './ui/input';
import { Label } from './ui/label';
import { Button } from './ui/button';
import { checkSchemaText, type StructuredMode, type StructuredSettings, type SchemaCheck } from '@/lib/structured';

const MODES: { value: StructuredMode; label: string }[] = [
  { value: 'off', label: 'Off' },
  { value: 'json_object', label: 'JSON object' },
  { value: 'json_schema', label: 'JSON schema' },
  { value: 'grammar', label: 'Grammar (GBNF)' },
];

// The line under a schema editor: what is wrong (and where), or that it is fine.
export function SchemaStatus({ check, id, okText = 'Valid object schema.' }: { check: SchemaCheck; id: string; okText?: string }) {
  if (!check.ok)
    return (
      <p id={id} className="flex items-start gap-1 text-xs text-destructive" data-testid="schema-error">
        <AlertTriangle className="mt-0.5 h-3 w-3 shrink-0" aria-hidden />
        <span>{check.error}</span>
      </p>
    );
  if (check.warning)
    return (
      <p id={id} className="flex items-start gap-1 text-xs text-warning">
        <AlertTriangle className="mt-0.5 h-3 w-3 shrink-0" aria-hidden />
        <span>{check.warning}</span>
      </p>
    );
  return (
    <p id={id} className="flex items-center gap-1 text-xs text-muted-foreground" data-testid="schema-ok">
      <Check className="h-3 w-3 text-green-600" aria-hidden />
      {okText}
    </p>
  );
}

// A JSON Schema textarea with its live check; Format pretty-prints it once it parses.
export function SchemaEditor({
  id,
  label,
  value,
  onChange,
  requireObject,
  allowEmpty,
  rows = 8,
  disabled,
}: {
  id: string;
  label: string;
  value: string;
  onChange: (v: string) => void;
  requireObject: boolean;
  allowEmpty?: boolean;
  rows?: number;
  disabled?: boolean;
}) {
  const check = React.useMemo(() => checkSchemaText(value, { requireObject, allowEmpty }), [value, requireObject, allowEmpty]);
  return (
    <div className="flex flex-col gap-1.5">
      <div className="flex items-center justify-between gap-2">
        <Label htmlFor={id}>{label}</Label>
        <Button
          variant="ghost"
          size="sm"
          className="h-6 px-2 text-xs"
          disabled={disabled || !check.schema}
          onClick={() => check.schema && onChange(JSON.stringify(check.schema, null, 2))}
        >
          Format
        </Button>
      </div>
      <Textarea
        id={id}
        rows={rows}
        spellCheck={false}
        className="font-mono text-xs"
        value={value}
        disabled={disabled}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={!check.ok}
        aria-describedby={`${id}-status`}
      />
      <SchemaStatus check={check} id={`${id}-status`} okText={value.trim() ? 'Valid object schema.' : 'No parameters.'} />
    </div>
  );
}

export function StructuredOutputPanel({
  value,
  onChange,
  disabled,
}: {
  value: StructuredSettings;
  onChange: (v: StructuredSettings) => void;
  disabled?: boolean;
}) {
  const set = (patch: Partial<StructuredSettings>) => onChange({ ...value, ...patch });
  return (
    <div className="flex flex-col gap-3" data-testid="structured-output">
      <div className="flex flex-col gap-1.5">
        <Label htmlFor="structured-mode">Output format</Label>
        <Select value={value.mode} onValueChange={(m) => set({ mode: m as StructuredMode })} disabled={disabled}>
          <SelectTrigger id="structured-mode" aria-label="Output format">
            <SelectValue />
          </SelectTrigger>
          <SelectContent>
            {MODES.map((m) => (
              <SelectItem key={m.value} value={m.value}>
                {m.label}
              </SelectItem>
            ))}
          </SelectContent>
        </Select>
      </div>
      {value.mode === 'off' ? <p className="text-xs text-muted-foreground">Free text.</p> : null}
      {value.mode === 'json_object' ? (
        <p className="text-xs text-muted-foreground">
          The reply is one JSON object (<code>response_format: json_object</code>); say in the prompt what it should hold.
        </p>
      ) : null}
      {value.mode === 'json_schema' ? (
        <>
          <div className="flex flex-col gap-1.5">
            <Label htmlFor="schema-name">Schema name</Label>
            <Input id="schema-name" className="h-8" value={value.schemaName} disabled={disabled} onChange={(e) => set({ schemaName: e.target.value })} />
          </div>
          <SchemaEditor
            id="schema-text"
            label="JSON Schema"
            value={value.schemaText}
            onChange={(schemaText) => set({ schemaText })}
            requireObject={false}
            disabled={disabled}
          />
          <p className="text-xs text-muted-foreground">The reply follows the schema (strict), token by token.</p>
        </>
      ) : null}
      {value.mode === 'grammar' ? (
        <div className="flex flex-col gap-1.5">
          <Label htmlFor="grammar-text">GBNF grammar</Label>
          <Textarea
            id="grammar-text"
            rows={6}
            spellCheck={false}
            className="font-mono text-xs"
            value={value.grammarText}
            disabled={disabled}
            onChange={(e) => set({ grammarText: e.target.value })}
            aria-describedby="grammar-help"
          />
          <p id="grammar-help" className="text-xs text-muted-foreground">
            llama.cpp's GBNF with a <code>root</code> rule. The server checks it; a mistake comes back with its line and column.
          </p>
        </div>
      ) : null}
    </div>
  );
}

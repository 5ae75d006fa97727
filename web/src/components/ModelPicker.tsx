// Picks a generation model from GET /api/v1/models (the default first);
// embedding-only models are left out. Shows why when the list cannot load.
import * as React from 'react';
import { Select, SelectContent, SelectItem, SelectTrigger, SelectValue } from './ui/select';
import { Label } from './ui/label';
import { useApi } from '@/lib/session';
import { errorText } from '@/lib/api';
import type { ModelInfo, ModelList } from '@/lib/types';

export function useModels() {
  const api = useApi();
  const [models, setModels] = React.useState<ModelInfo[] | null>(null);
  const [defaultModel, setDefault] = React.useState<string>('');
  const [error, setError] = React.useState<string | null>(null);
  const [memoryBudget, setMemoryBudget] = React.useState<ModelList['memory'] | null>(null);
  const load = React.useCallback(() => {
    api
      .models()
      .then((r) => {
        setModels(r.models);
        setDefault(r.default);
        setMemoryBudget(r.memory ?? null);
        setError(null);
      })
      .catch((e) => setError(errorText(e)));
  }, [api]);
  React.useEffect(load, [load]);
  return { models, defaultModel, error, memoryBudget, reload: load };
}

export function isGenerationModel(m: ModelInfo) {
  return !m.capabilities || m.capabilities.includes('completion');
}

export function ModelPicker({
  id,
  label = 'Model',
  value,
  onChange,
  models,
  disabled,
}: {
  id: string;
  label?: string;
  value: string;
  onChange: (v: string) => void;
  models: ModelInfo[] | null;
  disabled?: boolean;
}) {
  const usable = (models ?? []).filter(isGenerationModel);
  return (
    <div className="flex flex-col gap-1.5">
      <Label htmlFor={id}>{label}</Label>
      <Select value={value} onValueChange={onChange} disabled={disabled || !models}>
        <SelectTrigger id={id} aria-label={label}>
          <SelectValue placeholder={models ? 'Choose a model' : 'Loading models…'} />
        </SelectTrigger>
        <SelectContent>
          {usable.map((m) => (
            <SelectItem key={m.name} value={m.name}>
              {m.name}
              {m.default ? ' (default)' : ''}
            </SelectItem>
          ))}
        </SelectContent>
      </Select>
    </div>
  );
}

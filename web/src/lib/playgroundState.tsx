// The Playground's state, held by the app rather than the page: switching to
// Chat and back keeps the prompt, the model, the parameters and the output (a
// generation still streaming goes on). The settings (not the output) are also
// remembered across reloads (lib/playgroundSettings.ts).
import * as React from 'react';
import { useApi } from './session';
import { useGeneration } from './useGeneration';
import { loadPlaygroundSettings, savePlaygroundSettings, type PlaygroundSettings } from './playgroundSettings';
import type { ChatMessage } from './types';
import type { ToolStep } from '@/components/ToolsPanel';

type Setter<T> = React.Dispatch<React.SetStateAction<T>>;

export interface PlaygroundState {
  settings: PlaygroundSettings;
  update: <K extends keyof PlaygroundSettings>(key: K) => Setter<PlaygroundSettings[K]>;
  history: ChatMessage[];
  setHistory: Setter<ChatMessage[]>;
  steps: ToolStep[];
  setSteps: Setter<ToolStep[]>;
  generation: ReturnType<typeof useGeneration>;
}

const PlaygroundContext = React.createContext<PlaygroundState | null>(null);

export function PlaygroundStateProvider({ children }: { children: React.ReactNode }) {
  const api = useApi();
  const [settings, setSettings] = React.useState<PlaygroundSettings>(loadPlaygroundSettings);
  const [history, setHistory] = React.useState<ChatMessage[]>([]);
  const [steps, setSteps] = React.useState<ToolStep[]>([]);
  const generation = useGeneration(api);

  React.useEffect(() => savePlaygroundSettings(settings), [settings]);

  // One stable setter per field, taking a value or an updater like useState's.
  const setters = React.useRef(new Map<keyof PlaygroundSettings, unknown>());
  const update = React.useCallback(<K extends keyof PlaygroundSettings>(key: K): Setter<PlaygroundSettings[K]> => {
    let f = setters.current.get(key) as Setter<PlaygroundSettings[K]> | undefined;
    if (!f) {
      f = (v) =>
        setSettings((s) => {
          const next = typeof v === 'function' ? (v as (p: PlaygroundSettings[K]) => PlaygroundSettings[K])(s[key]) : v;
          return next === s[key] ? s : { ...s, [key]: next };
        });
      setters.current.set(key, f);
    }
    return f;
  }, []);

  const value = React.useMemo(
    () => ({ settings, update, history, setHistory, steps, setSteps, generation }),
    [settings, update, history, steps, generation],
  );
  return <PlaygroundContext.Provider value={value}>{children}</PlaygroundContext.Provider>;
}

export function usePlaygroundState(): PlaygroundState {
  const s = React.useContext(PlaygroundContext);
  if (!s) throw new Error('usePlaygroundState outside PlaygroundStateProvider');
  return s;
}

// Light/dark theme: the `dark` class on <html>, remembered in localStorage (pg.theme).
import * as React from 'react';

type Theme = 'light' | 'dark';

function current(): Theme {
  return document.documentElement.classList.contains('dark') ? 'dark' : 'light';
}

export function useTheme(): [Theme, () => void] {
  const [theme, setTheme] = React.useState<Theme>(current);
  const toggle = React.useCallback(() => {
    const next: Theme = current() === 'dark' ? 'light' : 'dark';
    document.documentElement.classList.toggle('dark', next === 'dark');
    try {
      localStorage.setItem('pg.theme', next);
    } catch {
      // not remembered
    }
    setTheme(next);
  }, []);
  return [theme, toggle];
}

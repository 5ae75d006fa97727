// The session: one ApiClient for the app, the caller (GET /auth/me), log in and
// out. The access token lives in localStorage (key pg.token) and goes only into
// the Authorization header of our own origin's requests; a 401 drops it and
// sends the user to the login page. Never stores the password.
import * as React from 'react';
import { ApiClient, ApiError } from './api';
import type { Me } from './types';

const TOKEN_KEY = 'pg.token';

export interface Session {
  api: ApiClient;
  me: Me | null;
  state: 'loading' | 'ready' | 'needs_login' | 'error';
  error: string | null;
  login: (username: string, password: string) => Promise<void>;
  logout: () => void;
  refresh: () => Promise<void>;
}

const SessionContext = React.createContext<Session | null>(null);

function readToken(): string | null {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}
function writeToken(token: string | null) {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch {
    // storage disabled: the token lasts as long as the page
  }
}

export function SessionProvider({ children, client }: { children: React.ReactNode; client?: ApiClient }) {
  const tokenRef = React.useRef<string | null>(readToken());
  const [me, setMe] = React.useState<Me | null>(null);
  const [state, setState] = React.useState<Session['state']>('loading');
  const [error, setError] = React.useState<string | null>(null);

  const api = React.useMemo(
    () =>
      client ??
      new ApiClient({
        getToken: () => tokenRef.current,
        onUnauthorized: () => {
          tokenRef.current = null;
          writeToken(null);
          setMe(null);
          setState('needs_login');
        },
      }),
    [client],
  );

  const refresh = React.useCallback(async () => {
    try {
      const who = await api.me();
      setMe(who);
      setState('ready');
      setError(null);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        setState('needs_login');
      } else {
        setState('error');
        setError(e instanceof Error ? e.message : String(e));
      }
    }
  }, [api]);

  React.useEffect(() => {
    void refresh();
  }, [refresh]);

  const login = React.useCallback(
    async (username: string, password: string) => {
      const r = await api.login(username, password);
      tokenRef.current = r.access_token;
      writeToken(r.access_token);
      await refresh();
    },
    [api, refresh],
  );

  const logout = React.useCallback(() => {
    tokenRef.current = null;
    writeToken(null);
    setMe(null);
    setState('needs_login');
  }, []);

  const value = React.useMemo(() => ({ api, me, state, error, login, logout, refresh }), [api, me, state, error, login, logout, refresh]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): Session {
  const s = React.useContext(SessionContext);
  if (!s) throw new Error('useSession outside SessionProvider');
  return s;
}

export function useApi(): ApiClient {
  return useSession().api;
}

// API keys of the logged-in user: list (prefix, name, created, last used),
// create (the key is shown once, with copy) and delete. With auth off the
// server has no users and so no keys: the page says so.
import * as React from 'react';
import { Copy, KeyRound, Trash2 } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { ErrorNote, Notice } from '@/components/ErrorNote';
import { useApi, useSession } from '@/lib/session';
import { ApiError, errorText } from '@/lib/api';
import type { ApiKey } from '@/lib/types';

export default function KeysPage() {
  const api = useApi();
  const { me } = useSession();
  const [keys, setKeys] = React.useState<ApiKey[] | null>(null);
  const [name, setName] = React.useState('');
  const [created, setCreated] = React.useState<ApiKey | null>(null);
  const [error, setError] = React.useState<string | null>(null);
  const [authOff, setAuthOff] = React.useState(false);

  const load = React.useCallback(() => {
    api.keys().then(
      (r) => setKeys(r.keys),
      (e) => {
        if (e instanceof ApiError && e.code === 'auth_off') setAuthOff(true);
        else setError(errorText(e));
      },
    );
  }, [api]);
  React.useEffect(load, [load]);

  return (
    <div className="flex max-w-3xl flex-col gap-4">
      <h1 className="text-xl font-semibold">API keys</h1>
      <p className="text-sm text-muted-foreground">
        Use a key with the OpenAI or Ollama clients, or any HTTP client: <code>Authorization: Bearer pgk_…</code>. Base URLs:{' '}
        <code>{window.location.origin}/v1</code> (OpenAI), <code>{window.location.origin}</code> (Ollama), <code>{window.location.origin}/api/v1</code>.
      </p>
      {authOff || me?.auth === false ? (
        <Notice>
          Authentication is off on this server, so every request is accepted without a key and there are no users to own keys.
          Start the server with <code>--auth on</code> (and add a user with <code>playground user add NAME --role admin</code>) to use API keys.
        </Notice>
      ) : (
        <>
          {error ? <ErrorNote>{error}</ErrorNote> : null}
          <Card>
            <CardHeader>
              <CardTitle>Create a key</CardTitle>
            </CardHeader>
            <CardContent>
              <form
                className="flex items-end gap-2"
                onSubmit={(e) => {
                  e.preventDefault();
                  api.createKey(name.trim()).then(
                    (k) => {
                      setCreated(k);
                      setName('');
                      load();
                    },
                    (err) => setError(errorText(err)),
                  );
                }}
              >
                <div className="flex flex-1 flex-col gap-1.5">
                  <Label htmlFor="key-name">Name</Label>
                  <Input id="key-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. laptop, ci" />
                </div>
                <Button type="submit" disabled={!name.trim()}>
                  <KeyRound aria-hidden /> Create
                </Button>
              </form>
              {created?.key ? (
                <div className="mt-3 flex flex-col gap-1 rounded-md border border-primary/40 bg-primary/5 p-3" role="status">
                  <p className="text-sm font-medium">Copy the key now: it is not shown again.</p>
                  <div className="flex gap-2">
                    <code className="flex-1 break-all rounded bg-muted p-2 text-xs" data-testid="new-key">
                      {created.key}
                    </code>
                    <Button variant="outline" size="icon" aria-label="Copy key" onClick={() => void navigator.clipboard?.writeText(created.key ?? '')}>
                      <Copy aria-hidden />
                    </Button>
                  </div>
                </div>
              ) : null}
            </CardContent>
          </Card>
          <div className="overflow-x-auto rounded-lg border">
            <table className="w-full text-sm">
              <caption className="sr-only">Your API keys</caption>
              <thead className="bg-muted/50 text-left text-xs text-muted-foreground">
                <tr>
                  <th scope="col" className="p-2">Name</th>
                  <th scope="col" className="p-2">Key</th>
                  <th scope="col" className="p-2">Created</th>
                  <th scope="col" className="p-2">Last used</th>
                  <th scope="col" className="p-2"><span className="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody>
                {(keys ?? []).map((k) => (
                  <tr key={k.id} className="border-t" data-testid="key-row">
                    <td className="p-2">{k.name}</td>
                    <td className="p-2 font-mono text-xs">{k.prefix}…</td>
                    <td className="p-2 text-xs">{new Date(k.created_at).toLocaleString()}</td>
                    <td className="p-2 text-xs">{k.last_used_at ? new Date(k.last_used_at).toLocaleString() : 'never'}</td>
                    <td className="p-2">
                      <Button size="icon" variant="ghost" aria-label={`Delete key ${k.name}`} onClick={() => api.deleteKey(k.id).then(load, (e) => setError(errorText(e)))}>
                        <Trash2 aria-hidden />
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {keys && keys.length === 0 ? <p className="p-3 text-sm text-muted-foreground">No keys yet.</p> : null}
          </div>
        </>
      )}
    </div>
  );
}

// Log in (when the server has auth on): name and password to POST
// /api/v1/auth/login; the token is kept by the session, the password is not.
// With auth off there is nothing to log in to: the page says so and links to the app.
import * as React from 'react';
import { Link, useLocation, useNavigate } from 'react-router-dom';
import { LogIn } from 'lucide-react';
import { Button } from '@/components/ui/button';
import { Input } from '@/components/ui/input';
import { Label } from '@/components/ui/label';
import { Card, CardContent, CardHeader, CardTitle } from '@/components/ui/card';
import { ErrorNote } from '@/components/ErrorNote';
import { useSession } from '@/lib/session';
import { errorText } from '@/lib/api';

export default function LoginPage() {
  const { login, me, state } = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const [username, setUsername] = React.useState('');
  const [password, setPassword] = React.useState('');
  const [error, setError] = React.useState<string | null>(null);
  const [busy, setBusy] = React.useState(false);
  const from = (location.state as { from?: string } | null)?.from ?? '/';
  if (state === 'ready' && me && !me.auth)
    return (
      <div className="flex min-h-screen items-center justify-center p-4">
        <Card className="w-full max-w-sm" data-testid="auth-off">
          <CardHeader>
            <CardTitle>Authentication is off</CardTitle>
          </CardHeader>
          <CardContent className="flex flex-col gap-3 text-sm">
            <p role="status">This server has authentication off: no account or login is needed, every page is open.</p>
            <Button asChild>
              <Link to={from === '/login' ? '/' : from}>Go to the app</Link>
            </Button>
          </CardContent>
        </Card>
      </div>
    );
  return (
    <div className="flex min-h-screen items-center justify-center p-4">
      <Card className="w-full max-w-sm">
        <CardHeader>
          <CardTitle>Log in to Mistral Playground</CardTitle>
          <p className="text-sm text-muted-foreground">This server requires an account.</p>
        </CardHeader>
        <CardContent>
          <form
            className="flex flex-col gap-3"
            onSubmit={(e) => {
              e.preventDefault();
              setBusy(true);
              setError(null);
              login(username, password).then(
                () => navigate(from, { replace: true }),
                (err) => {
                  setError(errorText(err));
                  setBusy(false);
                },
              );
            }}
          >
            <div className="flex flex-col gap-1.5">
              <Label htmlFor="username">User name</Label>
              <Input id="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />
            </div>
            <div className="flex flex-col gap-1.5">
              <Label htmlFor="password">Password</Label>
              <Input id="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
            </div>
            {error ? <ErrorNote>{error}</ErrorNote> : null}
            <Button type="submit" disabled={busy}>
              <LogIn aria-hidden /> Log in
            </Button>
          </form>
        </CardContent>
      </Card>
    </div>
  );
}

// Login posts the credentials and shows the server's refusal; the API keys page
// explains that auth is off instead of offering keys that cannot exist.
import { describe, expect, it } from 'vitest';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import LoginPage from './LoginPage';
import KeysPage from './KeysPage';
import { fakeFetch } from '@/test/fakeServer';
import { renderPage, ME_NO_AUTH } from '@/test/render';

describe('LoginPage', () => {
  it('sends name and password and shows a refusal', async () => {
    const { impl, calls } = fakeFetch((_m, url) =>
      url.endsWith('/auth/me')
        ? { kind: 'json', status: 401, body: { error: { code: 'unauthorized', message: 'authentication required' } } }
        : { kind: 'json', status: 401, body: { error: { code: 'invalid_credentials', message: 'wrong user name or password' } } },
    );
    renderPage(<LoginPage />, impl, { path: '/login', patterns: ['/login'] });
    await userEvent.type(screen.getByLabelText('User name'), 'ada');
    await userEvent.type(screen.getByLabelText('Password'), 'nope-nope');
    await userEvent.click(screen.getByRole('button', { name: /log in/i }));
    expect(await screen.findByRole('alert')).toHaveTextContent('wrong user name or password (401 invalid_credentials)');
    expect(calls.find((c) => c.url.endsWith('/auth/login'))!.body).toEqual({ username: 'ada', password: 'nope-nope' });
  });
});

describe('KeysPage', () => {
  it('says that keys need auth on when the server has it off', async () => {
    const { impl } = fakeFetch((_m, url) =>
      url.endsWith('/auth/me') ? { kind: 'json', body: ME_NO_AUTH } : { kind: 'json', status: 400, body: { error: { code: 'auth_off', message: 'auth is off' } } },
    );
    renderPage(<KeysPage />, impl, { path: '/keys', patterns: ['/keys'] });
    await waitFor(() => expect(screen.getByRole('status')).toHaveTextContent('Authentication is off'));
    expect(screen.queryByRole('button', { name: /create/i })).toBeNull();
  });
});

describe('LoginPage with auth off', () => {
  it('says that auth is off and links to the app instead of asking for an account', async () => {
    const { impl } = fakeFetch(() => ({ kind: 'json', body: ME_NO_AUTH }));
    renderPage(<LoginPage />, impl, { path: '/login', patterns: ['/login'] });
    expect(await screen.findByText('Authentication is off')).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('no account or login is needed');
    expect(screen.getByRole('link', { name: 'Go to the app' })).toHaveAttribute('href', '/');
    expect(screen.queryByText(/requires an account/)).toBeNull();
    expect(screen.queryByLabelText('Password')).toBeNull();
  });
});

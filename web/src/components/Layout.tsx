// The frame of every page: a header with the page links (a menu button on
// narrow screens), the theme switch and the user; a skip link for keyboards.
import * as React from 'react';
import { NavLink, Outlet } from 'react-router-dom';
import { Moon, Sun, Menu, LogOut, FlaskConical } from 'lucide-react';
import { Button } from './ui/button';
import { TooltipProvider } from './ui/tooltip';
import { useTheme } from '@/lib/theme';
import { useSession } from '@/lib/session';
import { cn } from '@/lib/utils';

const LINKS = [
  { to: '/', label: 'Playground', end: true },
  { to: '/chat', label: 'Chat' },
  { to: '/compare', label: 'Compare' },
  { to: '/models', label: 'Models' },
  { to: '/documents', label: 'Documents' },
  { to: '/keys', label: 'API keys' },
];

export function Layout() {
  const [theme, toggleTheme] = useTheme();
  const { me, logout } = useSession();
  const [open, setOpen] = React.useState(false);
  return (
    <TooltipProvider>
      <div className="flex min-h-screen flex-col">
        <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-background focus:p-2">
          Skip to content
        </a>
        <header className="sticky top-0 z-40 border-b bg-background/95 backdrop-blur">
          <div className="mx-auto flex h-14 max-w-screen-2xl items-center gap-3 px-4">
            <NavLink to="/" className="flex items-center gap-2 font-semibold" aria-label="Mistral Playground home">
              <FlaskConical className="h-5 w-5 text-primary" aria-hidden />
              <span className="hidden sm:inline">Mistral Playground</span>
            </NavLink>
            <Button
              variant="ghost"
              size="icon"
              className="md:hidden"
              aria-label="Menu"
              aria-expanded={open}
              aria-controls="main-nav"
              onClick={() => setOpen((o) => !o)}
            >
              <Menu aria-hidden />
            </Button>
            <nav
              id="main-nav"
              aria-label="Pages"
              className={cn(
                'absolute left-0 right-0 top-14 flex-col gap-1 border-b bg-background p-2 md:static md:flex md:flex-row md:border-0 md:p-0',
                open ? 'flex' : 'hidden',
              )}
            >
              {LINKS.map((l) => (
                <NavLink
                  key={l.to}
                  to={l.to}
                  end={l.end}
                  onClick={() => setOpen(false)}
                  className={({ isActive }) =>
                    cn(
                      'rounded-md px-3 py-1.5 text-sm font-medium text-muted-foreground hover:bg-accent hover:text-foreground focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-ring',
                      isActive && 'bg-accent text-foreground',
                    )
                  }
                >
                  {l.label}
                </NavLink>
              ))}
            </nav>
            <div className="ml-auto flex items-center gap-2">
              <a href="/docs" className="hidden text-sm text-muted-foreground hover:text-foreground lg:inline">
                API docs
              </a>
              <Button
                variant="ghost"
                size="icon"
                onClick={toggleTheme}
                aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
              >
                {theme === 'dark' ? <Sun aria-hidden /> : <Moon aria-hidden />}
              </Button>
              {me?.auth && me.user ? (
                <>
                  <span className="hidden text-sm text-muted-foreground sm:inline" data-testid="current-user">
                    {me.user.username}
                  </span>
                  <Button variant="ghost" size="icon" onClick={logout} aria-label="Log out">
                    <LogOut aria-hidden />
                  </Button>
                </>
              ) : null}
            </div>
          </div>
        </header>
        <main id="main" className="mx-auto w-full max-w-screen-2xl flex-1 px-4 py-4">
          <Outlet />
        </main>
      </div>
    </TooltipProvider>
  );
}

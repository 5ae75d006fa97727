// Any path the app does not have: says so, with the path, and links to the pages.
import { Link, useLocation } from 'react-router-dom';
import { Card, CardContent, CardHeader } from '@/components/ui/card';

const PAGES = [
  ['/', 'Playground'],
  ['/chat', 'Chat'],
  ['/compare', 'Compare'],
  ['/models', 'Models'],
  ['/documents', 'Documents'],
] as const;

export default function NotFoundPage() {
  const { pathname } = useLocation();
  return (
    <div className="flex justify-center py-8">
      <Card className="w-full max-w-md" data-testid="not-found">
        <CardHeader>
          <h1 className="text-base font-semibold leading-none">Page not found</h1>
        </CardHeader>
        <CardContent className="flex flex-col gap-3 text-sm">
          <p>
            There is no page at <code className="break-all rounded bg-muted px-1">{pathname}</code>.
          </p>
          <nav aria-label="Pages of the app">
            <ul className="flex flex-wrap gap-2">
              {PAGES.map(([to, label]) => (
                <li key={to}>
                  <Link to={to} className="text-primary underline-offset-4 hover:underline">
                    {label}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
        </CardContent>
      </Card>
    </div>
  );
}

// Routes of the app. Every page is its own chunk (React.lazy), so the first
// page loads only what it needs; with auth on, pages wait for a login. The
// Playground's state lives here (lib/playgroundState.tsx), so it outlasts the page.
// Paths the app does not have get a not-found page.
import * as React from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { Layout } from './components/Layout';
import { ErrorNote } from './components/ErrorNote';
import { SessionProvider, useSession } from './lib/session';
import { PlaygroundStateProvider } from './lib/playgroundState';

const PlaygroundPage = React.lazy(() => import('./pages/PlaygroundPage'));
const ChatPage = React.lazy(() => import('./pages/ChatPage'));
const ComparePage = React.lazy(() => import('./pages/ComparePage'));
const ModelsPage = React.lazy(() => import('./pages/ModelsPage'));
const DocumentsPage = React.lazy(() => import('./pages/DocumentsPage'));
const KeysPage = React.lazy(() => import('./pages/KeysPage'));
const LoginPage = React.lazy(() => import('./pages/LoginPage'));
const NotFoundPage = React.lazy(() => import('./pages/NotFoundPage'));

function Loading() {
  return (
    <div className="p-6 text-sm text-muted-foreground" role="status">
      Loading…
    </div>
  );
}

function Guarded({ children }: { children: React.ReactNode }) {
  const { state, error } = useSession();
  const location = useLocation();
  if (state === 'loading') return <Loading />;
  if (state === 'needs_login') return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  if (state === 'error')
    return (
      <div className="p-6">
        <ErrorNote>The server could not be reached: {error}</ErrorNote>
      </div>
    );
  return <>{children}</>;
}

export function AppRoutes() {
  return (
    <React.Suspense fallback={<Loading />}>
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route
          element={
            <Guarded>
              <Layout />
            </Guarded>
          }
        >
          <Route index element={<PlaygroundPage />} />
          <Route path="chat" element={<ChatPage />} />
          <Route path="chat/:id" element={<ChatPage />} />
          <Route path="compare" element={<ComparePage />} />
          <Route path="models" element={<ModelsPage />} />
          <Route path="documents" element={<DocumentsPage />} />
          <Route path="documents/:id" element={<DocumentsPage />} />
          <Route path="keys" element={<KeysPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </React.Suspense>
  );
}

export default function App() {
  return (
    <SessionProvider>
      <PlaygroundStateProvider>
        <BrowserRouter>
          <AppRoutes />
        </BrowserRouter>
      </PlaygroundStateProvider>
    </SessionProvider>
  );
}

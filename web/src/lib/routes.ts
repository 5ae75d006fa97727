// Every API route the web UI calls, as METHOD + OpenAPI path. The client builds
// its URLs only from these, and tests check each one against the server's
// /openapi.json (optional ones are those of features a server may lack: the
// UI shows "not available on this server" for them). Never a URL outside.

export const API_ROUTES = {
  openapi: { method: 'GET', path: '/openapi.json' },
  health: { method: 'GET', path: '/api/v1/health' },
  models: { method: 'GET', path: '/api/v1/models' },
  generate: { method: 'POST', path: '/api/v1/models/generate' },
  chat: { method: 'POST', path: '/api/v1/chat' },
  tokenize: { method: 'POST', path: '/api/v1/tokenize' },
  cancel: { method: 'POST', path: '/api/v1/generations/{id}/cancel' },
  slots: { method: 'GET', path: '/api/v1/slots' },
  metrics: { method: 'GET', path: '/api/v1/metrics' },
  login: { method: 'POST', path: '/api/v1/auth/login' },
  me: { method: 'GET', path: '/api/v1/auth/me' },
  keys: { method: 'GET', path: '/api/v1/auth/keys' },
  createKey: { method: 'POST', path: '/api/v1/auth/keys' },
  deleteKey: { method: 'DELETE', path: '/api/v1/auth/keys/{id}' },
  conversations: { method: 'GET', path: '/api/v1/conversations' },
  createConversation: { method: 'POST', path: '/api/v1/conversations' },
  conversation: { method: 'GET', path: '/api/v1/conversations/{id}' },
  updateConversation: { method: 'PATCH', path: '/api/v1/conversations/{id}' },
  deleteConversation: { method: 'DELETE', path: '/api/v1/conversations/{id}' },
  addMessage: { method: 'POST', path: '/api/v1/conversations/{id}/messages' },
  exportConversation: { method: 'GET', path: '/api/v1/conversations/{id}/export' },
  conversationDocuments: { method: 'POST', path: '/api/v1/conversations/{id}/documents' },
  collections: { method: 'GET', path: '/api/v1/collections' },
  createCollection: { method: 'POST', path: '/api/v1/collections' },
  deleteCollection: { method: 'DELETE', path: '/api/v1/collections/{id}' },
  documents: { method: 'GET', path: '/api/v1/collections/{id}/documents' },
  upload: { method: 'POST', path: '/api/v1/collections/{id}/documents' },
  document: { method: 'GET', path: '/api/v1/documents/{id}' },
  deleteDocument: { method: 'DELETE', path: '/api/v1/documents/{id}' },
  jobs: { method: 'GET', path: '/api/v1/ingest/jobs' },
  jobEvents: { method: 'GET', path: '/api/v1/ingest/jobs/{id}/events' },
  cancelJob: { method: 'POST', path: '/api/v1/ingest/jobs/{id}/cancel' },
  retryJob: { method: 'POST', path: '/api/v1/ingest/jobs/{id}/retry' },
  search: { method: 'POST', path: '/api/v1/collections/{id}/search' },
  ragQuery: { method: 'POST', path: '/api/v1/rag/query' },
  // Model management (docs/MODELS.md once it lands): a server may not have these yet.
  pullModel: { method: 'POST', path: '/api/v1/models/pull', optional: true },
  pulls: { method: 'GET', path: '/api/v1/models/pulls', optional: true },
  cancelPull: { method: 'DELETE', path: '/api/v1/models/pulls/{id}', optional: true },
  pullEvents: { method: 'GET', path: '/api/v1/models/pull/{id}/events', optional: true },
  loadModel: { method: 'POST', path: '/api/v1/models/{name}/load', optional: true },
  unloadModel: { method: 'POST', path: '/api/v1/models/{name}/unload', optional: true },
  deleteModel: { method: 'DELETE', path: '/api/v1/models/{name}', optional: true },
  modelDetail: { method: 'GET', path: '/api/v1/models/{name}', optional: true },
  searchCatalog: { method: 'GET', path: '/api/v1/models/search', optional: true },
} as const satisfies Record<string, { method: string; path: string; optional?: boolean }>;

export type RouteName = keyof typeof API_ROUTES;

// The route's path with its {parameters} filled in (each URL-encoded).
export function routePath(name: RouteName, params: Record<string, string | number> = {}): string {
  return API_ROUTES[name].path.replace(/\{([a-z_]+)\}/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`route ${name} needs parameter ${key}`);
    return encodeURIComponent(String(value));
  });
}

// Whether an OpenAPI document (paths → methods) describes the route.
export function openApiHasRoute(doc: { paths?: Record<string, Record<string, unknown>> }, name: RouteName): boolean {
  const r = API_ROUTES[name];
  return Boolean(doc.paths?.[r.path]?.[r.method.toLowerCase()]);
}

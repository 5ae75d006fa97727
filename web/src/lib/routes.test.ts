// Every route the client calls is described, with that method, by the server's
// OpenAPI document (src/lib/openapi.json, refreshed by `npm run openapi`; the
// e2e run checks the live server's too). Optional routes may be missing.
import { describe, expect, it } from 'vitest';
import { API_ROUTES, openApiHasRoute, routePath, type RouteName } from './routes';
import doc from './openapi.json';

describe('API routes', () => {
  it('exist in the OpenAPI document with their method', () => {
    const missing = (Object.keys(API_ROUTES) as RouteName[]).filter((n) => !('optional' in API_ROUTES[n]) && !openApiHasRoute(doc, n));
    expect(missing).toEqual([]);
  });
  it('fill and encode parameters, and refuse missing ones', () => {
    expect(routePath('cancel', { id: 'gen-1' })).toBe('/api/v1/generations/gen-1/cancel');
    expect(() => routePath('cancel')).toThrow(/needs parameter id/);
  });
});

import { describe, expect, it } from 'vitest';
import { loadOpenApiDocument } from '../../src/http/load-openapi-document.js';
import { routeLabels } from '../../src/http/route-label.js';

describe('routeLabels', () => {
  const route = routeLabels(Object.keys(loadOpenApiDocument().paths as Record<string, unknown>));

  it("names a path by the document's pattern, Express-style, whatever its ids, case and query", () => {
    expect(route('/v1/rooms/ops/messages?limit=5')).toBe('/v1/rooms/:room/messages');
    expect(route('/V1/ROOMS/Ops/Messages/')).toBe('/v1/rooms/:room/messages');
    expect(route('/hooks/k3y')).toBe('/hooks/:key');
    expect(route('/readyz')).toBe('/readyz');
  });

  it('prefers the pattern with more literal segments', () => {
    expect(route('/v1/messages/batch')).toBe('/v1/messages/batch');
    expect(route('/v1/messages/0192f3a4')).toBe('/v1/messages/:id');
  });

  it('names no other path, however many different ones come', () => {
    const labels = new Set(
      ['/', '/app.js', '/v1', '/v1/rooms/ops', '/v1/messages/a/b', '/x'.repeat(50)].map(route),
    );
    expect([...labels]).toEqual([undefined]);
  });

  it('reads the path of an absolute-form target, as proxies send it', () => {
    expect(route('http://relay.example:3000/healthz')).toBe('/healthz');
    expect(route('http://relay.example/v1/rooms/ops/messages?limit=1')).toBe('/v1/rooms/:room/messages');
  });
});

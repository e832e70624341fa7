// Health, readiness, metrics, the spec, security headers and CORS.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { listener, problemOf, startApiRelay } from './api-relay.js';

const metricValue = (text: string, series: string): number => {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
};

describe('operations endpoints', () => {
  it('answers /healthz and /readyz without a token', async () => {
    const { url } = await startApiRelay();
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ready' });
  });

  // Another method there got Express's HTML 404 page.
  it('answers another method on an operations path with a 404 problem', async () => {
    const { url } = await startApiRelay();
    for (const [method, path] of [
      ['POST', '/healthz'],
      ['POST', '/openapi.json'],
      ['DELETE', '/metrics'],
    ]) {
      const response = await fetch(`${url}${path}`, { method });
      expect(response.status, `${method} ${path}`).toBe(404);
      expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
  });

  it('logs a change of readiness once, at warn and without a stack, not every 503 of /readyz', async () => {
    const { server, url, logs } = await startApiRelay();
    let ok = false;
    server.addReadinessCheck('redis', () => (ok ? { ok } : { ok, detail: `connecting since ${Date.now()}` }));
    const ask = async () => (await fetch(`${url}/readyz`)).status;
    for (let i = 0; i < 20; i += 1) expect(await ask()).toBe(503);
    ok = true;
    for (let i = 0; i < 3; i += 1) expect(await ask()).toBe(200);
    ok = false;
    for (let i = 0; i < 3; i += 1) expect(await ask()).toBe(503);
    const lines = logs.filter((line) => line.part === 'http' && !String(line.msg).includes('admin token'));
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [40, 'not ready'],
      [30, 'ready again'],
      [40, 'not ready'],
    ]);
    expect(lines[0]).toMatchObject({ code: 'RELAY_ERR_NOT_READY', checks: { redis: { ok: false } } });
    for (const line of lines) expect(line.err).toBeUndefined();
  });

  it('moves the Prometheus metrics after traffic', async () => {
    const { url, send } = await startApiRelay();
    const before = await (await fetch(`${url}/metrics`)).text();
    await listener(url, 'ops');
    const user = await listener(url);
    expect((await send('/v1/messages', { body: { content: 'hi' } })).status).toBe(202);
    expect((await send('/v1/messages', { body: { content: 7 } })).status).toBe(400);
    expect((await send('/v1/messages', { token: 'nope', body: { content: 'x' } })).status).toBe(401);
    user.emit('sendMessage', 'from a socket');
    user.emit('sendMessage', 'x'.repeat(5000));

    await expect
      .poll(async () => {
        const text = await (await fetch(`${url}/metrics`)).text();
        return {
          sockets: metricValue(text, 'relay_connected_sockets{kind="user"}'),
          http: metricValue(text, 'relay_messages_published_total{source="http"}'),
          user: metricValue(text, 'relay_messages_published_total{source="user"}'),
          invalid: metricValue(text, 'relay_publish_errors_total{code="RELAY_ERR_INVALID_CONTENT"}'),
          tooLarge: metricValue(text, 'relay_publish_errors_total{code="RELAY_ERR_CONTENT_TOO_LARGE"}'),
          accepted: metricValue(
            text,
            'relay_http_requests_total{method="POST",route="/v1/messages",status="202"}',
          ),
          refused: metricValue(
            text,
            'relay_http_requests_total{method="POST",route="/v1/messages",status="400"}',
          ),
        };
      })
      .toEqual({ sockets: 2, http: 1, user: 1, invalid: 1, tooLarge: 1, accepted: 1, refused: 1 });
    expect(metricValue(before, 'relay_messages_published_total{source="http"}')).toBe(0);
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    expect(text).toMatch(/^relay_http_requests_total\{method="GET",route="\/metrics",status="200"\} [1-9]/m);
  });

  it("labels requests by the API's route pattern: errors, other cases and streams the client left", async () => {
    const { server, url, send } = await startApiRelay();
    server.addReadinessCheck('redis', () => ({ ok: false, detail: 'connecting' }));
    // A route of the embedding app's own keeps its Express pattern.
    server.app.get('/reports/:id', (_req, res) => {
      res.send('report');
    });
    expect((await fetch(`${url}/reports/7`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    expect((await send('/V1/Messages', { body: { content: 'loud' } })).status).toBe(202);
    expect((await send('/v1/rooms/ops/messages', { method: 'GET', token: 'ops-s3cr3t' })).status).toBe(200);
    expect((await send('/v1/rooms/dev/messages', { method: 'GET', token: 'ops-s3cr3t' })).status).toBe(200);
    expect((await fetch(`${url}/no/such/page`)).status).toBe(404);
    const stream = new AbortController();
    const events = await fetch(`${url}/v1/rooms/ops/events`, {
      headers: { authorization: 'Bearer ops-s3cr3t' },
      signal: stream.signal,
    });
    expect(events.status).toBe(200);
    stream.abort();

    const counted = (text: string) =>
      text
        .split('\n')
        .filter((line) => line.startsWith('relay_http_requests_total{') && !line.includes('"/metrics"'))
        .map((line) => line.replace(/ \d+$/, ''))
        .sort();
    await expect
      .poll(async () => counted(await (await fetch(`${url}/metrics`)).text()), { timeout: 5000 })
      .toEqual([
        'relay_http_requests_total{method="GET",route="/readyz",status="503"}',
        'relay_http_requests_total{method="GET",route="/reports/:id",status="200"}',
        'relay_http_requests_total{method="GET",route="/v1/rooms/:room/events",status="200"}',
        'relay_http_requests_total{method="GET",route="/v1/rooms/:room/messages",status="200"}',
        'relay_http_requests_total{method="GET",route="unmatched",status="404"}',
        'relay_http_requests_total{method="POST",route="/v1/messages",status="202"}',
      ]);
    // A stream's lifetime is not a request's duration: the histogram leaves streams out.
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toMatch(
      /^relay_http_request_duration_seconds_count\{method="GET",route="\/readyz",status="503"\} 1$/m,
    );
    expect(text).not.toContain(
      'relay_http_request_duration_seconds_count{method="GET",route="/v1/rooms/:room/events"',
    );
  });

  it('keeps metrics per relay: two relays in one process do not share counters', async () => {
    const first = await startApiRelay();
    const second = await startApiRelay();
    await first.send('/v1/messages', { body: { content: 'only on the first' } });
    const text = await (await fetch(`${second.url}/metrics`)).text();
    expect(metricValue(text, 'relay_messages_published_total{source="http"}')).toBe(0);
  });

  it('serves the spec as JSON at /openapi.json, equal to src/http/openapi.yaml', async () => {
    const { url } = await startApiRelay();
    const response = await fetch(`${url}/openapi.json`);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const spec = parseYaml(readFileSync(new URL('../../src/http/openapi.yaml', import.meta.url), 'utf8'));
    expect(await response.json()).toEqual(spec);
  });

  it('sets security headers on the API', async () => {
    const { url, send } = await startApiRelay();
    for (const response of [
      await fetch(`${url}/healthz`),
      await send('/v1/messages', { body: { content: 'x' } }),
    ]) {
      expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-powered-by')).toBeNull();
    }
  });

  it('applies the origins setting to the API: allowed origins get CORS, others a 403', async () => {
    const { send } = await startApiRelay({ origins: ['https://chat.example.com'] });
    const preflight = await send('/v1/messages', {
      method: 'OPTIONS',
      token: null,
      headers: {
        origin: 'https://chat.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type, idempotency-key',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://chat.example.com');
    expect(preflight.headers.get('access-control-allow-headers')?.split(', ')).toEqual([
      'Authorization',
      'Content-Type',
      'Idempotency-Key',
      'Last-Event-ID',
    ]);
    // Redaction and removals too: every method a /v1 route answers.
    expect(preflight.headers.get('access-control-allow-methods')?.split(', ')).toEqual([
      'GET',
      'POST',
      'DELETE',
    ]);
    const allowed = await send('/v1/messages', {
      body: { content: 'x' },
      headers: { origin: 'https://chat.example.com' },
    });
    expect(allowed.status).toBe(202);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://chat.example.com');
    expect(allowed.headers.get('access-control-expose-headers')).toContain('Location');
    const refused = await send('/v1/messages', {
      body: { content: 'x' },
      headers: { origin: 'https://evil.example' },
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();
    expect(await problemOf(refused)).toMatchObject({ code: 'RELAY_ERR_ORIGIN_NOT_ALLOWED' });
  });
});

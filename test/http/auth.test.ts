// Bearer tokens, scopes and the generated admin token.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { parseRelayConfig } from '../../src/config/parse-relay-config.js';
import { mountHttpApi } from '../../src/http/mount-http-api.js';
import { parseApiTokens } from '../../src/http/parse-api-tokens.js';
import { requireScope } from '../../src/http/require-scope.js';
import { ConfigError, createRelayServer } from '../../src/index.js';
import { RelayServer } from '../../src/server/relay-server.js';
import { captureLogs, WARN } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { IN_MEMORY_STORES, startRelay } from '../support/start-relay.js';
import { httpApiDeps, listener, nextMessage, problemOf, startApiRelay } from './api-relay.js';

describe('HTTP API authentication', () => {
  it('answers 401 with WWW-Authenticate for no token, a wrong token and a non-bearer scheme; sends nothing', async () => {
    const { url, send } = await startApiRelay();
    const client = await listener(url);
    const hears = nextMessage(client);
    const cases: Array<[string | null, Record<string, string>]> = [
      [null, {}],
      ['not-a-token', {}],
      [null, { authorization: 'Basic Y2k6Y2ktczNjcjN0' }],
      ['ci-s3cr3', {}], // a prefix of a real secret
    ];
    for (const [token, headers] of cases) {
      const response = await send('/v1/messages', { token, headers, body: { content: 'nope' } });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="relay"/);
      expect(await problemOf(response)).toMatchObject({
        code: 'RELAY_ERR_UNAUTHORIZED',
        title: 'Unauthorized',
      });
    }
    await send('/v1/messages', { body: { content: 'marker' } });
    expect((await hears).content).toBe('marker');
  });

  // 3000 real requests: about 3 s alone on a 2-core machine under load, several times that beside the
  // rest of the suite with coverage on, so not the default 15 s. The assertions do not depend on timing:
  // the episode only ends after 10 s of quiet, far beyond any gap between two waves of requests.
  it('logs 3000 bad-token requests from one address as one episode, and counts every one', {
    timeout: 60_000,
  }, async () => {
    const { server, url, logs } = await startApiRelay();
    const total = 3000;
    const refuse = () =>
      fetch(`${url}/v1/messages`, {
        method: 'POST',
        headers: { authorization: 'Bearer not-a-token', 'content-type': 'application/json' },
        body: '{"content":"x"}',
      }).then((response) => response.status);
    for (let sent = 0; sent < total; sent += 50) {
      expect(new Set(await Promise.all(Array.from({ length: 50 }, refuse)))).toEqual(new Set([401]));
    }
    const refusedLines = () => logs.filter((line) => line.msg === 'http request refused');
    expect(refusedLines()).toHaveLength(1);
    expect(refusedLines()[0]).toMatchObject({
      level: WARN,
      code: 'RELAY_ERR_UNAUTHORIZED',
      address: '127.0.0.1',
    });
    const metrics = await server.metricsRegistry.getSingleMetric('relay_http_requests_total')?.get();
    const unauthorized = metrics?.values.filter((value) => value.labels.status === '401');
    expect(unauthorized?.reduce((sum, value) => sum + value.value, 0)).toBe(total);
    // The episode is summed up when the address goes quiet, or when the relay closes.
    await server.close();
    const summaries = logs.filter((line) => line.msg === 'http refusals ended');
    expect(summaries).toEqual([
      expect.objectContaining({
        level: WARN,
        address: '127.0.0.1',
        code: 'RELAY_ERR_UNAUTHORIZED',
        refused: total,
      }),
    ]);
    expect(logs.filter((line) => line.level >= WARN)).toHaveLength(2);
  });

  // An IPv6 host has a /64 to rotate through: one address per request was one line per request.
  it('logs the refusals of one IPv6 /64 behind a trusted proxy as one episode, another /64 as its own', async () => {
    const { logs, url } = await startApiRelay({ trustProxy: true });
    const refuse = (address: string) =>
      fetch(`${url}/v1/messages`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer not-a-token',
          'content-type': 'application/json',
          'x-forwarded-for': address,
        },
        body: '{"content":"x"}',
      }).then((response) => response.status);
    for (let host = 1; host <= 20; host += 1)
      expect(await refuse(`2001:db8:1:2::${host.toString(16)}`)).toBe(401);
    expect(await refuse('2001:db8:1:3::1')).toBe(401);
    const refusedLines = logs.filter((line) => line.msg === 'http request refused');
    expect(refusedLines.map(({ address, peer }) => [address, peer])).toEqual([
      ['2001:db8:1:2::/64', '2001:db8:1:2::1'],
      ['2001:db8:1:3::/64', '2001:db8:1:3::1'],
    ]);
  });

  // The first line gave the address as it came (::ffff:203.0.113.7), the ended line as counted.
  it('names a client the same way in its refused and ended lines, an IPv4-mapped address included', async () => {
    const { logs, url, server } = await startApiRelay({ trustProxy: true });
    for (let i = 0; i < 2; i += 1) {
      const refused = await fetch(`${url}/v1/messages`, {
        method: 'POST',
        headers: { authorization: 'Bearer not-a-token', 'x-forwarded-for': '::ffff:203.0.113.7' },
      });
      expect(refused.status).toBe(401);
    }
    await server.close();
    const lines = logs.filter(
      (line) => line.msg === 'http request refused' || line.msg === 'http refusals ended',
    );
    expect(lines.map(({ msg, address, peer }) => [msg, address, peer])).toEqual([
      ['http request refused', '203.0.113.7', '::ffff:203.0.113.7'],
      ['http refusals ended', '203.0.113.7', undefined],
    ]);
  });

  it('lets an admin token publish: admin grants every scope', async () => {
    const { url, send } = await startApiRelay();
    const client = await listener(url);
    const hears = nextMessage(client);
    const response = await send('/v1/messages', { token: 'ops-s3cr3t', body: { content: 'from ops' } });
    expect(response.status).toBe(202);
    expect((await hears).meta.from).toEqual({ id: 'ops', userId: 'http:ops', name: 'ops', kind: 'http' });
  });

  it('answers 403 when the token lacks the scope a route requires (requireScope, as features use it)', async () => {
    const capture = captureLogs();
    const config = parseRelayConfig({
      port: 0,
      host: '127.0.0.1',
      api: { tokens: ['ci:ci-s3cr3t:publish', 'ops:ops-s3cr3t:admin'] },
    });
    const server = track(new RelayServer({ config, logger: capture.logger }), (s) => s.close());
    const api = mountHttpApi(httpApiDeps(server));
    api.v1.get('/admin-only', requireScope('admin'), (_req, res) => {
      res.json({ ok: true });
    });
    const { url } = await server.listen();
    const asPublisher = await fetch(`${url}/v1/admin-only`, {
      headers: { authorization: 'Bearer ci-s3cr3t' },
    });
    expect(asPublisher.status).toBe(403);
    const problem = await problemOf(asPublisher);
    expect(problem).toMatchObject({ code: 'RELAY_ERR_FORBIDDEN', status: 403 });
    expect(String(problem.detail)).toContain('needs admin');
    const asAdmin = await fetch(`${url}/v1/admin-only`, { headers: { authorization: 'Bearer ops-s3cr3t' } });
    expect(asAdmin.status).toBe(200);
    expect(await asAdmin.json()).toEqual({ ok: true });
  });

  it('turns an unexpected error in a route into a 500 problem (RELAY_ERR_INTERNAL) and an error log line', async () => {
    const capture = captureLogs();
    const config = parseRelayConfig({
      port: 0,
      host: '127.0.0.1',
      api: { tokens: ['ops:ops-s3cr3t:admin'] },
    });
    const server = track(new RelayServer({ config, logger: capture.logger }), (s) => s.close());
    mountHttpApi(httpApiDeps(server)).v1.get('/boom', async () => {
      throw new TypeError('a bug');
    });
    const { url } = await server.listen();
    const response = await fetch(`${url}/v1/boom`, { headers: { authorization: 'Bearer ops-s3cr3t' } });
    expect(response.status).toBe(500);
    expect(await problemOf(response)).toMatchObject({
      code: 'RELAY_ERR_INTERNAL',
      status: 500,
      instance: '/v1/boom',
    });
    expect(capture.find((line) => line.msg === 'http request failed' && line.level === 50)).toBeDefined();
  });

  it('generates an admin token when none is configured and logs it once at warn level', async () => {
    const { url, logs } = await startRelay({ greeting: 'none' });
    const lines = logs.filter((line) => String(line.msg).includes('generated the admin token'));
    expect(lines).toHaveLength(1);
    expect(lines[0]?.level).toBe(WARN);
    const secret = /admin token (\S+) /.exec(String(lines[0]?.msg))?.[1] ?? '';
    expect(secret.length).toBeGreaterThanOrEqual(32);

    const client = await listener(url);
    const hears = nextMessage(client);
    const refused = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"content":"x"}',
    });
    expect(refused.status).toBe(401);
    const response = await fetch(`${url}/v1/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ content: 'with the generated token' }),
    });
    expect(response.status).toBe(202);
    expect((await hears).meta.from.name).toBe('admin');
  });

  it('reads RELAY_API_TOKENS (name:secret:scope+scope, comma-separated)', async () => {
    const { config } = await loadConfig({
      env: { RELAY_API_TOKENS: 'ci:env-s3cr3t:publish, deploy:d3ploy:publish+admin' },
      cwd: '/nonexistent-dir-for-config',
    });
    const capture = captureLogs();
    const server = track(
      createRelayServer({
        ...config,
        // After the config: it holds the stores' default files.
        ...IN_MEMORY_STORES,
        port: 0,
        host: '127.0.0.1',
        logger: capture.logger,
      }),
      (s) => s.close(),
    );
    const { url } = await server.listen();
    expect(capture.find((line) => String(line.msg).includes('generated the admin token'))).toBeUndefined();
    for (const secret of ['env-s3cr3t', 'd3ploy']) {
      const response = await fetch(`${url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({ content: 'hi' }),
      });
      expect(response.status).toBe(202);
    }
  });

  it('refuses bad token entries with a ConfigError naming the entry, never showing a secret', () => {
    const bad = [
      ['ci:hunter2-top'],
      ['ci:hunter2-top:root'],
      ['bad name:hunter2-top:publish'],
      ['ci:hunter2-top:publish', 'ci:hunter2-other:publish'],
      ['ci:hunter2-top:publish', 'cd:hunter2-top:publish'],
    ];
    for (const entries of bad) {
      let thrown: unknown;
      try {
        parseApiTokens(entries);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(ConfigError);
      expect((thrown as ConfigError).key).toMatch(/^api\.tokens\.\d$/);
      expect((thrown as Error).message).not.toContain('hunter2');
    }
    expect(() =>
      createRelayServer({ ...IN_MEMORY_STORES, api: { tokens: ['ci:hunter2-top:root'] } }),
    ).toThrow(/api\.tokens\.0/);
    expect(parseApiTokens([{ name: 'ci', secret: 'x', scopes: ['publish', 'publish'] }])).toEqual([
      { name: 'ci', secret: 'x', scopes: ['publish'] },
    ]);
  });
});

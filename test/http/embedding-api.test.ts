// The HTTP API's authentication on routes of a user's own Express app (docs/configuration.md, "Embedding
// in an existing Express app"): problem+json answers with no error handler of the user's.
import http from 'node:http';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { createRelayServer, RelayError } from '../../src/index.js';
import { captureLogs, WARN } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { IN_MEMORY_STORES } from '../support/start-relay.js';
import { ADMIN, PUBLISHER, problemOf } from './api-relay.js';

// The user's app, as the docs show it: routes of its own, some behind the relay's tokens.
async function startUserApp() {
  const { logger, lines } = captureLogs('info');
  const app = express();
  app.get('/hello', (_req, res) => {
    res.send('still your app');
  });
  const server = http.createServer(app);
  const relay = track(
    createRelayServer({
      ...IN_MEMORY_STORES,
      app,
      httpServer: server,
      greeting: 'none',
      logger,
      api: { tokens: [PUBLISHER, ADMIN] },
    }),
    (r) => r.close(),
  );
  app.post('/deploy', relay.api.requireScope('publish'), (_req, res) => {
    res.json({ deployedBy: relay.api.tokenOf(res)?.name });
  });
  app.delete('/cache', relay.api.authenticate, relay.api.requireScope('admin'), (_req, res) => {
    res.status(204).end();
  });
  const reports = express.Router();
  reports.get('/:id', relay.api.requireScope('publish'), (req) => {
    throw new RelayError('RELAY_ERR_INVALID_REQUEST', `no report "${req.params.id}"`);
  });
  app.use('/reports', reports, relay.api.problemHandler);
  const { url } = await relay.listen(0, '127.0.0.1');
  const call = (method: string, path: string, token?: string) =>
    fetch(`${url}${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { url, call, lines };
}

describe('the API middleware on routes of an embedding Express app', () => {
  it('answers a missing or unknown token with a 401 problem+json, not an HTML page', async () => {
    const { call } = await startUserApp();
    for (const token of [undefined, 'not-a-token']) {
      const response = await call('POST', '/deploy', token);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer realm="relay"/);
      expect(await problemOf(response)).toMatchObject({
        code: 'RELAY_ERR_UNAUTHORIZED',
        status: 401,
        instance: '/deploy',
      });
    }
  });

  it('answers a token without the scope with a 403 problem, and lets the right token through with its name', async () => {
    const { call } = await startUserApp();
    const forbidden = await call('DELETE', '/cache', 'ci-s3cr3t');
    expect(forbidden.status).toBe(403);
    expect(await problemOf(forbidden)).toMatchObject({ code: 'RELAY_ERR_FORBIDDEN' });
    expect((await call('DELETE', '/cache', 'ops-s3cr3t')).status).toBe(204);
    const deployed = await call('POST', '/deploy', 'ci-s3cr3t');
    expect(deployed.status).toBe(200);
    expect(await deployed.json()).toEqual({ deployedBy: 'ci' });
    expect(await (await call('GET', '/hello')).text()).toBe('still your app');
  });

  it("answers the user's own errors as problems with problemHandler, and logs refusals once per episode", async () => {
    const { call, lines } = await startUserApp();
    const response = await call('GET', '/reports/42', 'ci-s3cr3t');
    expect(response.status).toBe(400);
    expect(await problemOf(response)).toMatchObject({
      code: 'RELAY_ERR_INVALID_REQUEST',
      detail: expect.stringContaining('no report "42"'),
    });
    for (let i = 0; i < 20; i += 1) expect((await call('POST', '/deploy')).status).toBe(401);
    const refused = lines.filter((line) => line.msg === 'http request refused' && line.level === WARN);
    // One line: the report's refusal opened this address's episode, and the 20 refused tokens are in it.
    expect(refused.map((line) => line.code)).toEqual(['RELAY_ERR_INVALID_REQUEST']);
  });
});

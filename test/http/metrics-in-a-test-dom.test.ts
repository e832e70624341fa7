// @vitest-environment happy-dom
// A relay embedded in a front end's tests, under a DOM environment: import.meta.url is no file URL
// there, so the OpenAPI document cannot be read next to the module. Its first HTTP request ended the
// process: the metrics' 'close' listener read the document to name the route, and threw.
import { describe, expect, it } from 'vitest';
import { rawRequest } from '../support/raw-request.js';
import { startRelay } from '../support/start-relay.js';

describe('HTTP metrics in a test DOM', () => {
  it('counts requests by their Express pattern when the OpenAPI document cannot be read, and says so once', async () => {
    const { url, logs } = await startRelay({ greeting: 'none', api: { tokens: ['ops:ops-s3cr3t:admin'] } });
    const headers = { authorization: 'Bearer ops-s3cr3t' };
    for (const id of ['a', 'b']) {
      expect((await rawRequest(url, { path: `/v1/schedules/${id}`, headers })).status).toBe(404);
    }
    const metrics = await rawRequest(url, { path: '/metrics' });
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/relay_http_requests_total\{method="GET",route="[^"]*",status="404"\} 2/);
    expect(logs.filter((line) => String(line.msg).startsWith('OpenAPI document unreadable'))).toHaveLength(1);
  });
});

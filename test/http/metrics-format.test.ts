// /metrics checked by Prometheus's own linter, with Node's process metrics and the latency histograms.
import { describe, expect, it } from 'vitest';
import { checkMetrics, metricValue, promtool } from '../support/check-metrics.js';
import { startRedis } from '../support/start-redis.js';
import { listener, nextMessage, startApiRelay } from './api-relay.js';

async function withTraffic(relay: Awaited<ReturnType<typeof startApiRelay>>): Promise<string> {
  const { url, send } = relay;
  const user = await listener(url);
  const heard = nextMessage(user);
  expect((await send('/v1/messages', { body: { content: 'hi' } })).status).toBe(202);
  await heard;
  expect((await send('/v1/messages', { body: { content: 7 } })).status).toBe(400);
  expect((await send('/v1/messages', { token: 'nope', body: { content: 'x' } })).status).toBe(401);
  expect((await fetch(`${url}/no/such/route`)).status).toBe(404);
  return (await fetch(`${url}/metrics`)).text();
}

describe.skipIf(!promtool)('/metrics under promtool', () => {
  it('passes `promtool check metrics` after traffic', async () => {
    const text = await withTraffic(await startApiRelay());
    expect(await checkMetrics(promtool as string, text)).toEqual({ code: 0, output: '' });
  });

  it('passes `promtool check metrics` in cluster mode too (the Redis metrics)', async () => {
    const redis = await startRedis();
    const text = await withTraffic(await startApiRelay({ redisUrl: redis.url }));
    expect(text).toMatch(/^relay_redis_up 1$/m);
    expect(await checkMetrics(promtool as string, text)).toEqual({ code: 0, output: '' });
  });
});

describe('metrics of the process and of latency', () => {
  it("serves Node's process metrics in every relay's registry, and closing one relay leaves the other's", async () => {
    const first = await startApiRelay();
    const second = await startApiRelay();
    for (const { url } of [first, second]) {
      const text = await (await fetch(`${url}/metrics`)).text();
      expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
      expect(text).toMatch(/^process_resident_memory_bytes \d/m);
      expect(text).toMatch(/^nodejs_heap_size_used_bytes \d/m);
      expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds \d/m);
    }
    await first.server.close();
    const text = await (await fetch(`${second.url}/metrics`)).text();
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(
      await first.server.metricsRegistry.getSingleMetric('process_cpu_user_seconds_total'),
    ).toBeUndefined();
  });

  it('counts every publish in the latency histogram, and times HTTP requests by route and status', async () => {
    const relay = await startApiRelay();
    const { url, send, server } = relay;
    const user = await listener(url);
    for (let i = 0; i < 3; i += 1) {
      const heard = nextMessage(user);
      expect((await send('/v1/messages', { body: { content: `n${i}` } })).status).toBe(202);
      await heard;
    }
    server.relay.publish('from code', { from: { id: 'app', name: 'app', kind: 'http' } });
    expect((await send('/v1/messages', { body: { content: 7 } })).status).toBe(400);
    const text = await (await fetch(`${url}/metrics`)).text();
    // Four messages out; the refused one is not a publish.
    expect(metricValue(text, 'relay_publish_duration_seconds_count')).toBe(4);
    expect(metricValue(text, 'relay_publish_duration_seconds_bucket{le="+Inf"}')).toBe(4);
    const sum = metricValue(text, 'relay_publish_duration_seconds_sum') ?? 0;
    expect(sum).toBeGreaterThan(0);
    expect(sum).toBeLessThan(4 * 5);
    const accepted =
      'relay_http_request_duration_seconds_count{method="POST",route="/v1/messages",status="202"}';
    expect(metricValue(text, accepted)).toBe(3);
    const refused =
      'relay_http_request_duration_seconds_count{method="POST",route="/v1/messages",status="400"}';
    expect(metricValue(text, refused)).toBe(1);
  });
});

// Event streams on a relay built from its parts, with short stream timers: heartbeats, and a reader that
// stops reading is cut instead of growing the relay's memory.
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseRelayConfig } from '../../src/config/parse-relay-config.js';
import { mountHistory } from '../../src/history/mount-history.js';
import { mountHttpApi } from '../../src/http/mount-http-api.js';
import { RelayServer } from '../../src/server/relay-server.js';
import { httpApiDeps } from '../http/api-relay.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';

async function relayWithStreams(streams: { slowReaderMs?: number; heartbeatMs?: number }) {
  const capture = captureLogs();
  const config = parseRelayConfig({
    port: 0,
    host: '127.0.0.1',
    greeting: 'none',
    maxContentBytes: 65_536,
    scheduler: { store: ':memory:' },
    api: { tokens: ['ops:ops-s3cr3t:admin'] },
  });
  const server = track(new RelayServer({ config, logger: capture.logger }), (s) => s.close());
  const api = mountHttpApi(httpApiDeps(server));
  mountHistory({
    relay: server.relay,
    io: server.io,
    lifecycle: server,
    addReadinessCheck: (name, check) => server.addReadinessCheck(name, check),
    metricsRegistry: server.metricsRegistry,
    logger: server.logger,
    api,
    settings: { store: ':memory:', maxMessagesPerRoom: 1000, maxAgeMs: 86_400_000 },
    streams,
  });
  const { url, port } = await server.listen();
  return { server, url, port, logs: capture.lines };
}

describe('event streams', () => {
  it('send a heartbeat comment while idle', async () => {
    const { url } = await relayWithStreams({ heartbeatMs: 50 });
    const abort = track(new AbortController(), (a) => a.abort());
    const response = await fetch(`${url}/v1/rooms/ops/events`, {
      headers: { authorization: 'Bearer ops-s3cr3t' },
      signal: abort.signal,
    });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let text = '';
    const deadline = Date.now() + 3000;
    while (!text.includes(': heartbeat') && Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text).toContain(': heartbeat\n\n');
  });

  it('cut a reader that leaves its buffer full past slowReaderMs, logged once per token; the relay keeps serving', async () => {
    const { server, port, logs } = await relayWithStreams({ slowReaderMs: 300 });
    // Raw clients that send the request, then never read: the kernel buffers fill, then the server's.
    for (let reader = 0; reader < 2; reader += 1) {
      const socket = track(connect(port, '127.0.0.1'), (s) => s.destroy());
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.pause();
      socket.write(
        'GET /v1/rooms/ops/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ops-s3cr3t\r\n\r\n',
      );
    }
    const from = { id: 'feed', name: 'feed', kind: 'http' } as const;
    const chunk = 'x'.repeat(60_000);
    const cutLines = () =>
      logs.filter((entry) => String(entry.msg).startsWith('event stream reader too slow'));
    // Until the first cut, then a second more: both readers are cut (the deadline is the loop's).
    let cutAt: number | undefined;
    for (let i = 0; i < 600 && (cutAt === undefined || Date.now() < cutAt + 1000); i += 1) {
      await server.relay.publish(chunk, { from, room: 'ops' }).committed;
      if (i % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 50));
      if (cutAt === undefined && cutLines().length > 0) cutAt = Date.now();
    }
    expect(cutLines()).toHaveLength(1);
    expect(cutLines()[0]).toMatchObject({ room: 'ops', token: 'ops', level: 40 });
    // Publishing goes on.
    await expect(
      server.relay.publish('still fine', { from, room: 'ops' }).committed,
    ).resolves.toBeUndefined();
    // Its summary when the episode ends (here, at close): both cuts counted.
    await server.close();
    expect(logs.find((entry) => String(entry.msg).includes('cuts ended'))).toMatchObject({
      token: 'ops',
      cuts: 2,
    });
  });
});

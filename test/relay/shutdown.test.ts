import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createRelayServer, type SendAck } from '../../src/index.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { connectClient } from '../support/connect-client.js';
import { IN_MEMORY_STORES, startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

describe('lifecycle', () => {
  it('runs pre-close hooks, then closes sockets and HTTP, then close hooks, each in reverse registration order, once', async () => {
    const { server, url } = await startRelay({ greeting: 'none' });
    const client = await connectClient(url);
    const order: string[] = [];
    const connected = () => server.io.engine.clientsCount;
    server.onClose(() =>
      order.push(`close 1 (connected: ${connected()}, listening: ${server.httpServer.listening})`),
    );
    server.onClose(() => order.push('close 2'));
    server.onPreClose(() => order.push(`pre-close 1 (connected: ${connected()})`));
    server.onPreClose(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      order.push('pre-close 2');
    });
    server.onPreClose(() => {
      throw new Error('a failing hook does not stop the others');
    });

    const disconnected = waitForEvent<[string]>(client, 'disconnect');
    const closing = server.close();
    expect(server.close()).toBe(closing);
    await closing;
    expect(order).toEqual([
      'pre-close 2',
      'pre-close 1 (connected: 1)',
      'close 2',
      'close 1 (connected: 0, listening: false)',
    ]);
    // "transport close" (not "io server disconnect") makes socket.io clients reconnect by themselves.
    expect((await disconnected)[0]).toBe('transport close');
    expect(server.httpServer.listening).toBe(false);
    expect(() => server.relay.publish('late', { from: { id: 'x', name: 'x', kind: 'http' } })).toThrow(
      expect.objectContaining({ code: 'RELAY_ERR_SHUTTING_DOWN' }),
    );
  });

  // The acks of messages still being stored when close() began were dropped with their sockets: stored
  // and delivered, but refused to their senders as far as they knew, so a retry would duplicate them.
  it('acknowledges every message it kept while it closes: none stored without its ack', {
    timeout: 20_000,
  }, async () => {
    const dir = track(await mkdtemp(path.join(tmpdir(), 'relaykit-shutdown-')), (d) =>
      rm(d, { recursive: true, force: true }),
    );
    const store = path.join(dir, 'history.db');
    const { server, url } = await startRelay({ greeting: 'none', rateLimit: false, history: { store } });
    const clients = await Promise.all(
      [1, 2, 3, 4].map((n) => connectClient(url, { auth: { name: `c${n}` } })),
    );
    const acked = new Set<string>();
    let sending = true;
    const loops = clients.map(async (client, n) => {
      for (let i = 0; sending && client.connected; i += 1) {
        const ack = await client
          .timeout(5000)
          .emitWithAck('sendMessage', `c${n}.${i}`)
          .catch(() => undefined);
        if (ack?.ok) acked.add(ack.id);
      }
    });
    await expect.poll(() => acked.size).toBeGreaterThan(50);
    await server.close();
    sending = false;
    await Promise.all(loops);
    const kept = new Database(store, { readonly: true });
    const ids = (kept.prepare('SELECT id FROM messages').all() as { id: string }[]).map(({ id }) => id);
    kept.close();
    expect(ids.filter((id) => !acked.has(id))).toEqual([]);
    expect(ids.length).toBe(acked.size);
  });

  it('survives a client connecting while the relay is shutting down', async () => {
    const { server, url, logs } = await startRelay();
    let lateClient: Promise<unknown> | undefined;
    server.onPreClose(async () => {
      // As once the pre-close hooks are done: publishing is refused from here on, greeting included; the
      // connection must not crash the relay.
      server.relay.stopAccepting();
      lateClient = connectClient(url).catch((error: Error) => error);
      await lateClient;
    });
    await server.close();
    expect(lateClient).toBeDefined();
    expect(logs.find((line) => line.code === 'RELAY_ERR_SHUTTING_DOWN')).toBeDefined();
  });

  it.each([['polling'], ['websocket']])(
    'answers the acks of messages it accepted before close (%s)',
    async (transport) => {
      const { server, url } = await startRelay({ greeting: 'none', rateLimit: false });
      const client = await connectClient(url, { transports: [transport] });
      let closing: Promise<void> | undefined;
      server.relay.observe({
        published: () => {
          closing ??= server.close();
        },
      });
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          client
            .timeout(3000)
            .emitWithAck('sendMessage', `message ${i}`)
            .catch((error: Error) => error),
        ),
      );
      await closing;
      const delivered = answers.filter((answer): answer is SendAck => !(answer instanceof Error));
      // The message that triggered close() was accepted: its ack must reach the client before the
      // transport closes, on polling too, where engine.io's own close would discard the buffer.
      expect(delivered[0]).toMatchObject({ ok: true });
      // Every answer that came back is a real one; packets the client sent after the transport closed
      // were never received, so their acks time out client-side instead of being answered wrongly.
      for (const answer of delivered) {
        if (!answer.ok) expect(answer.error.code).toBe('RELAY_ERR_SHUTTING_DOWN');
      }
    },
  );

  it('cuts connections still open after shutdownTimeoutMs', async () => {
    const timeoutMs = 200;
    const { server, url, logs } = await startRelay({ shutdownTimeoutMs: timeoutMs });
    let arrived = () => {};
    const inFlight = new Promise<void>((resolve) => (arrived = resolve));
    server.app.get('/hang', () => {
      arrived(); // and never answers: a stuck request must not hold the shutdown forever
    });
    const hanging = fetch(`${url}/hang`).catch((error: Error) => error);
    await inFlight; // the request is being handled when close() starts, so close() has to cut it
    const began = performance.now();
    await server.close();
    const took = performance.now() - began;
    // The timeout path itself: it waited out shutdownTimeoutMs, said so, then cut the connection.
    expect(took).toBeGreaterThanOrEqual(timeoutMs - 10);
    expect(took).toBeLessThan(timeoutMs + 1600); // and not much longer: the timeout is in milliseconds
    expect(logs.filter((line) => line.msg === 'connections still open; closing them')).toEqual([
      expect.objectContaining({ level: 40, timeoutMs }),
    ]);
    expect(await hanging).toBeInstanceOf(Error);
  });

  it('closes without waiting for the timeout when nothing is left open', async () => {
    const { server, url, logs } = await startRelay({ shutdownTimeoutMs: 5000 });
    await connectClient(url);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const began = performance.now();
    await server.close();
    expect(performance.now() - began).toBeLessThan(2500);
    expect(logs.some((line) => line.msg === 'connections still open; closing them')).toBe(false);
  });

  it('logs its lifecycle (listening, closing, closed) as part "relay", like every other line', async () => {
    const { server, logs } = await startRelay();
    await server.close();
    const lifecycle = logs.filter((line) =>
      ['relay listening', 'relay closing', 'relay closed'].includes(String(line.msg)),
    );
    expect(lifecycle.map((line) => [line.msg, line.part])).toEqual([
      ['relay listening', 'relay'],
      ['relay closing', 'relay'],
      ['relay closed', 'relay'],
    ]);
    expect(logs.filter((line) => line.part === undefined).map((line) => line.msg)).toEqual([]);
  });

  it('closes everything it started when a start-up hook fails, and cannot be started again', async () => {
    const relay = track(
      createRelayServer({ ...IN_MEMORY_STORES, port: 0, host: '127.0.0.1', logger: captureLogs().logger }),
      (s) => s.close(),
    );
    const closedPhases: string[] = [];
    relay.onPreClose(() => closedPhases.push('pre-close'));
    relay.onClose(() => closedPhases.push('close'));
    relay.onListen(() => {
      throw new Error('a bot could not start');
    });
    await expect(relay.listen()).rejects.toThrow('a bot could not start');
    expect(relay.httpServer.listening).toBe(false);
    expect(closedPhases).toEqual(['pre-close', 'close']);
    await expect(relay.listen()).rejects.toMatchObject({ code: 'RELAY_ERR_SHUTTING_DOWN' });
  });

  it('reports a port in use with a message that says how to fix it', async () => {
    const { server } = await startRelay();
    const second = track(
      createRelayServer({
        ...IN_MEMORY_STORES,
        port: server.address.port,
        host: '127.0.0.1',
        logger: captureLogs().logger,
      }),
      (s) => s.close(),
    );
    await expect(second.listen()).rejects.toMatchObject({
      code: 'RELAY_ERR_PORT_IN_USE',
      message: `port ${server.address.port} is in use; pass --port or set PORT to a free port`,
    });
  });

  it('reports a host that is no address of this machine as a setting to correct, naming host', async () => {
    // A name that does not resolve, and an address of TEST-NET-1 (RFC 5737), which no machine has.
    for (const host of ['999.1.1.1', '192.0.2.1']) {
      const relay = track(
        createRelayServer({ ...IN_MEMORY_STORES, port: 0, host, logger: captureLogs().logger }),
        (s) => s.close(),
      );
      await expect(relay.listen(), host).rejects.toMatchObject({
        code: 'RELAY_ERR_CONFIG_INVALID',
        key: 'host',
        message: expect.stringContaining(
          `setting "host" is invalid: "${host}" is not an address of this machine`,
        ),
      });
    }
  });
});

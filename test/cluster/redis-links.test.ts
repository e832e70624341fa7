import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { createServer, type Server, Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { RedisLinks } from '../../src/cluster/redis-links.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;

// The network between the node and Redis: a forwarder that can stop taking connections (as a Redis that is
// down refuses them) and take them again on the same port.
async function forwarder(
  redisPort: number,
): Promise<{ port: number; refuse(): void; accept(): Promise<void> }> {
  const pipes = new Set<Socket>();
  const open = (): Server => {
    const server = createServer((inbound) => {
      const outbound = new Socket().connect(redisPort, '127.0.0.1');
      for (const socket of [inbound, outbound]) {
        pipes.add(socket);
        socket.on('error', () => undefined).on('close', () => pipes.delete(socket));
      }
      inbound.pipe(outbound).pipe(inbound);
      inbound.on('close', () => outbound.destroy());
      outbound.on('close', () => inbound.destroy());
    });
    return server;
  };
  let server = open().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  track(pipes, (all) => {
    server.close();
    for (const socket of all) socket.destroy();
  });
  return {
    port,
    refuse: () => server.close(),
    accept: async () => {
      server = open().listen(port, '127.0.0.1');
      await once(server, 'listening');
    },
  };
}

// The client side of every TCP connection made from now on (node's own `net.client.socket` channel).
function watchClientSockets(): Socket[] {
  const sockets: Socket[] = [];
  const onSocket = (message: unknown) => sockets.push((message as { socket: Socket }).socket);
  subscribe('net.client.socket', onSocket);
  track(onSocket, (listener) => unsubscribe('net.client.socket', listener));
  return sockets;
}

describe.runIf(HAS_REDIS)('RedisLinks', () => {
  // node-redis runs a write it scheduled while connected after the connection dropped and its queue was
  // flushed: the command lands on the dead socket and waits for a reply forever, and the next connection's
  // handshake replies go to it, so that handshake never completes. The connection must still come back.
  it('a connection that drops with a write scheduled comes back once Redis takes connections again', {
    timeout: 20_000,
  }, async () => {
    const redis = await startRedis();
    const network = await forwarder(redis.port);
    const sockets = watchClientSockets();
    const links = track(
      new RedisLinks({
        url: `redis://127.0.0.1:${network.port}`,
        logger: captureLogs().logger,
        idleTimeoutMs: 1000,
      }),
      (l) => l.close(),
    );
    await links.connect();
    expect(links.state).toMatchObject({ ready: true, connections: 1, connectionsReady: 1 });
    const socket = sockets.find((s) => s.remotePort === network.port && !s.destroyed) as Socket;

    // In one turn of the event loop, after node-redis's writes of the turn: a command is sent (its write is
    // scheduled for the next turn), Redis goes away and the connection drops. node-redis then tries again at
    // once and is refused; Redis takes connections again before its next try.
    let errors = 0;
    const back = new Promise<void>((resolve) =>
      links.onError(() => {
        errors += 1;
        if (errors === 2) setImmediate(() => resolve(network.accept()));
      }),
    );
    const sent = await new Promise<Promise<unknown>>((resolve) =>
      setImmediate(() => {
        const reply = links.client.set('relaykit:test', 'lost').catch((error: Error) => error);
        network.refuse();
        socket.destroy();
        resolve(reply);
      }),
    );
    await back;

    expect(await links.whenReady(10_000)).toBe(true);
    expect(await sent).toBeInstanceOf(Error); // never confirmed, so refused; not left waiting
    expect(await links.client.set('relaykit:test', 'after')).toBe('OK');
    expect(await links.client.get('relaykit:test')).toBe('after');
  });

  it('a ready connection with nothing to do stays up past the idle timeout: it pings', {
    timeout: 15_000,
  }, async () => {
    const redis = await startRedis();
    const links = track(
      new RedisLinks({ url: redis.url, logger: captureLogs().logger, idleTimeoutMs: 2500 }),
      (l) => l.close(),
    );
    await links.connect();
    const subscriber = links.client.duplicate();
    await subscriber.connect();
    await subscriber.subscribe('relaykit:nothing', () => undefined);
    const errorsBefore = links.state.errors;
    await new Promise((resolve) => setTimeout(resolve, 5000)); // quiet window: nothing may happen
    expect(links.state).toMatchObject({
      ready: true,
      connections: 2,
      connectionsReady: 2,
      errors: errorsBefore,
    });
  });
});

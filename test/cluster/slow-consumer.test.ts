import type { Socket as NetSocket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { MessageMeta } from '../../src/index.js';
import { WARN } from '../support/capture-logs.js';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

// The TCP socket under a socket.io-client WebSocket (engine.io-client's transport wraps a `ws` WebSocket).
function tcpSocketOf(client: { io: { engine: unknown } }): NetSocket {
  const transport = (client.io.engine as { transport: { name: string; ws?: { _socket?: NetSocket } } })
    .transport;
  const socket = transport.ws?._socket;
  if (transport.name !== 'websocket' || !socket) throw new Error('a WebSocket transport was expected');
  return socket;
}

const MAX_BUFFERED = 256 * 1024;
const CHUNK = 'x'.repeat(60_000);

// A relay (maxBufferedBytes 256 KiB) and one websocket client, sent messages of CHUNK in one synchronous
// run, as when a flood keeps the loop busy, until the relay cuts it or `max` are sent: no timer and no
// write completes inside the run, so every packet after the first stays queued. `busyMs` of busy work
// follows each publish. History off: delivery is inside publish itself, not a commit's turn later.
async function floodInOneRun(options: { bufferCheckIntervalMs: number; max: number; busyMs: number }) {
  const { server, url, logs } = await startRelay({
    greeting: 'none',
    maxContentBytes: 65_536,
    maxBufferedBytes: MAX_BUFFERED,
    bufferCheckIntervalMs: options.bufferCheckIntervalMs,
    history: false,
  });
  const client = await connectClient(url, { transports: ['websocket'] });
  const id = client.id as string;
  const connected = () => server.io.of('/').sockets.has(id);
  const from = { id: 'feed', name: 'feed', kind: 'http' } as const;
  let published = 0;
  while (connected() && published < options.max) {
    server.relay.publish(CHUNK, { from });
    published += 1;
    for (const until = Date.now() + options.busyMs; Date.now() < until; );
  }
  const line = logs.find((entry) => entry.msg === 'slow consumer disconnected');
  return { id, published, connected: connected(), line };
}

describe('slow consumers', () => {
  it('cuts a client that stops reading once its buffer stays past the cap; it recovers everything on reconnect', async () => {
    const maxBufferedBytes = 256 * 1024;
    const { server, url, logs } = await startRelay({
      greeting: 'none',
      maxContentBytes: 65_536,
      maxBufferedBytes,
      bufferCheckIntervalMs: 100,
    });
    const slow = await connectClient(url, {
      transports: ['websocket'],
      reconnection: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 200,
    });
    const healthy = await connectClient(url, { transports: ['websocket'] });
    const received = new Map<string, number>();
    slow.on('sendMessageFromBack', (_content, meta: MessageMeta) => {
      received.set(meta.id, (received.get(meta.id) ?? 0) + 1);
    });
    const healthyReceived = new Set<string>();
    healthy.on('sendMessageFromBack', (_content, meta: MessageMeta) => healthyReceived.add(meta.id));
    // Recovery resumes from the last offset a client saw: let it see one message first.
    const from = { id: 'feed', name: 'feed', kind: 'http' } as const;
    const first = waitForEvent(slow, 'sendMessageFromBack');
    const published = [server.relay.publish('first', { from }).id];
    await first;

    tcpSocketOf(slow).pause(); // the client stops reading; the kernel buffers fill, then the relay's
    const chunk = 'x'.repeat(60_000);
    const cut = () => logs.some((line) => line.msg === 'slow consumer disconnected');
    // Publish until the relay cuts it (the kernel's socket buffers take a few MB first), 100 MB at most.
    for (let i = 0; i < 1700 && !cut(); i += 1) {
      published.push(server.relay.publish(chunk, { from }).id);
      if (i % 4 === 3) await nextTurn();
    }
    expect(cut()).toBe(true);
    const line = logs.find((entry) => entry.msg === 'slow consumer disconnected');
    expect(line).toMatchObject({ level: WARN, maxBufferedBytes });
    expect(line?.bufferedBytes as number).toBeGreaterThan(maxBufferedBytes);
    const metric = await server.metricsRegistry
      .getSingleMetric('relay_slow_consumers_disconnected_total')
      ?.get();
    expect(metric?.values[0]?.value).toBe(1);

    // The healthy client was never cut and got everything.
    await expect.poll(() => healthyReceived.size, { timeout: 10_000 }).toBe(published.length);
    expect(healthy.connected).toBe(true);

    // Reading again, the slow client sees its transport closed, reconnects, recovers what it missed.
    const reconnected = waitForEvent(slow, 'connect', { timeoutMs: 10_000 });
    tcpSocketOf(slow).resume();
    await reconnected;
    expect(slow.recovered).toBe(true);
    await expect.poll(() => received.size, { timeout: 10_000 }).toBe(published.length);
    expect([...received.values()].every((count) => count === 1)).toBe(true);
    // Replaying what it missed is a burst it drains: it was cut once, not again while catching up.
    expect(logs.filter((entry) => entry.msg === 'slow consumer disconnected')).toHaveLength(1);
  });

  it('cuts a socket whose buffer keeps growing while the event loop is busy, without waiting for the timer', async () => {
    const bufferCheckIntervalMs = 100;
    // Each publish is followed by 10 ms of busy work.
    const { id, published, connected, line } = await floodInOneRun({
      bufferCheckIntervalMs,
      max: 200,
      busyMs: 10,
    });
    expect(connected).toBe(false); // cut inside the run, not when the timer could next run
    expect(line).toMatchObject({ level: WARN, socket: id, maxBufferedBytes: MAX_BUFFERED });
    // Over the cap at the 5th chunk; cut at the first chunk queued an interval later, ~10 chunks on.
    const chunksPerInterval = bufferCheckIntervalMs / 10;
    expect(published).toBeLessThanOrEqual(Math.ceil(MAX_BUFFERED / CHUNK.length) + chunksPerInterval + 2);
    expect(line?.bufferedBytes as number).toBeLessThan(MAX_BUFFERED + (chunksPerInterval + 3) * CHUNK.length);
  });

  // A socket only just over maxBufferedBytes waits for a second measurement; what one turn queues before
  // then (a burst of large history pages, say) could be many times the cap.
  it('cuts a socket at once past four times the cap, between two measurements', async () => {
    const hardCap = 4 * MAX_BUFFERED;
    // No second measurement within this test: only the hard cap can cut.
    const { id, published, connected, line } = await floodInOneRun({
      bufferCheckIntervalMs: 60_000,
      max: 100,
      busyMs: 0,
    });
    expect(connected).toBe(false);
    expect(line).toMatchObject({ level: WARN, socket: id, maxBufferedBytes: MAX_BUFFERED });
    // Cut by the first packet queued behind more than the hard cap: never at or under it.
    const packet = CHUNK.length + 1000;
    const bytes = line?.bufferedBytes as number;
    expect(bytes).toBeGreaterThan(hardCap + CHUNK.length);
    expect(bytes).toBeLessThanOrEqual(hardCap + 2 * packet);
    expect(published).toBeLessThanOrEqual(Math.ceil(hardCap / CHUNK.length) + 3);
  });
});

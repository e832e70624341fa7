import { randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { Socket } from 'socket.io-client';
import { nowMs } from '../stats.js';
import { benchMessage, sentAtOf } from './bench-message.js';
import { openClient, type Transport, whenConnected } from './connect-clients.js';
import type { LoadCommand, RoundTrips } from './load-protocol.js';

// A runner's options are its worker command without the `cmd` tag: one definition for both.
type OptionsOf<C extends LoadCommand['cmd']> = Omit<Extract<LoadCommand, { cmd: C }>, 'cmd'>;

/** Resolves with the first `sendMessageFromBack` content that `accept` takes, or undefined after `timeoutMs`. */
function nextDelivery(socket: Socket, accept: (content: unknown) => boolean, timeoutMs: number) {
  return new Promise<number | undefined>((resolve) => {
    const listener = (content: unknown) => {
      if (!accept(content)) return;
      clearTimeout(timer);
      socket.off('sendMessageFromBack', listener);
      resolve(nowMs());
    };
    const timer = setTimeout(() => {
      socket.off('sendMessageFromBack', listener);
      resolve(undefined);
    }, timeoutMs);
    socket.on('sendMessageFromBack', listener);
  });
}

async function roundTrips(
  options: { url: string; transport: Transport; count: number; intervalMs: number; name: string },
  once: (socket: Socket, seq: number) => Promise<number | undefined>,
): Promise<RoundTrips> {
  const socket = openClient(options.url, options.transport, { name: options.name });
  await whenConnected(socket);
  const samples: number[] = [];
  let failed = 0;
  const startedAt = nowMs();
  for (let seq = 0; seq < options.count; seq += 1) {
    const rtt = await once(socket, seq);
    if (rtt === undefined) failed += 1;
    else samples.push(rtt);
    await delay(options.intervalMs);
  }
  const endedAt = nowMs();
  socket.disconnect();
  return { samples: Float64Array.from(samples), failed, startedAt, endedAt };
}

/** One client sends a message and waits for it to come back through the broadcast, `count` times. */
export function runEcho(options: OptionsOf<'echo'>): Promise<RoundTrips> {
  const tag = `echo-${randomUUID().slice(0, 8)}`;
  return roundTrips({ ...options, name: 'bench-echo' }, async (socket, seq) => {
    const sentAt = nowMs();
    const back = nextDelivery(socket, (c) => sentAtOf(c, tag) === sentAt, 5000);
    socket.emit('sendMessage', benchMessage(options.kind, tag, seq, sentAt, options.bytes));
    const at = await back;
    return at === undefined ? undefined : at - sentAt;
  });
}

/** A user says `!ping` and waits for the reply that contains "pong", `count` times. */
export function runPing(options: OptionsOf<'ping'>): Promise<RoundTrips> {
  return roundTrips({ ...options, name: 'bench-pinger' }, async (socket) => {
    const sentAt = nowMs();
    const reply = nextDelivery(socket, (c) => typeof c === 'string' && /pong/i.test(c), options.timeoutMs);
    socket.emit('sendMessage', '!ping');
    const at = await reply;
    return at === undefined ? undefined : at - sentAt;
  });
}

/**
 * `concurrency` keep-alive lanes POST announcements to /v1/messages for `durationMs`, each with a bearer
 * token (when given) and a fresh Idempotency-Key, the way an integration that retries safely would.
 */
export async function runHttp(options: OptionsOf<'http'>): Promise<RoundTrips> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const target = new URL('/v1/messages', options.url);
  const samples: number[] = [];
  const statuses: Record<string, number> = {};
  let failed = 0;
  let seq = 0;
  const startedAt = nowMs();
  const post = () =>
    new Promise<void>((resolve) => {
      const sentAt = nowMs();
      const body = JSON.stringify({
        content: benchMessage('string', options.tag, seq++, sentAt, options.bytes),
      });
      const req = request(
        target,
        {
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'idempotency-key': randomUUID(),
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            statuses[status] = (statuses[status] ?? 0) + 1;
            if (status === 202) samples.push(nowMs() - sentAt);
            else failed += 1;
            resolve();
          });
        },
      );
      req.on('error', () => {
        failed += 1;
        resolve();
      });
      req.end(body);
    });
  const lane = async () => {
    while (nowMs() - startedAt < options.durationMs) await post();
  };
  await Promise.all(Array.from({ length: options.concurrency }, lane));
  const endedAt = nowMs();
  agent.destroy();
  return { samples: Float64Array.from(samples), failed, startedAt, endedAt, statuses };
}

import { setTimeout as delay } from 'node:timers/promises';
import { nowMs } from '../stats.js';
import { benchMessage, type ContentKind } from './bench-message.js';
import { openClient, type Transport, whenConnected } from './connect-clients.js';
import type { SendResult } from './load-protocol.js';

interface SenderOptions {
  url: string;
  transport: Transport;
  tag: string;
  bytes: number;
  kind: ContentKind;
}

async function openSender(options: SenderOptions) {
  const socket = openClient(options.url, options.transport, { name: 'bench-sender' });
  let refused = 0;
  // RelayKit reports refusals (rate limit, bad content) as relayError events when no ack is given.
  socket.on('relayError', () => {
    refused += 1;
  });
  await whenConnected(socket);
  return { socket, refused: () => refused };
}

/**
 * Sends bench messages at a fixed rate (open loop: the schedule does not wait for deliveries) for
 * `durationMs`, the seed's way: `emit('sendMessage', content)` without an ack.
 */
export async function runSender(
  options: SenderOptions & { rate: number; durationMs: number },
): Promise<SendResult> {
  const { socket, refused } = await openSender(options);
  const startedAt = nowMs();
  let sent = 0;
  await new Promise<void>((resolve) => {
    const tickMs = Math.max(1, Math.min(10, Math.floor(1000 / options.rate)));
    const timer = setInterval(() => {
      const elapsed = nowMs() - startedAt;
      const due = Math.min(
        Math.floor((elapsed * options.rate) / 1000) + 1,
        Math.ceil((options.durationMs * options.rate) / 1000),
      );
      while (sent < due) {
        socket.emit('sendMessage', benchMessage(options.kind, options.tag, sent, nowMs(), options.bytes));
        sent += 1;
      }
      if (elapsed >= options.durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, tickMs);
  });
  const endedAt = nowMs();
  await delay(300);
  socket.disconnect();
  return { sent, refused: refused(), startedAt, endedAt };
}

/** Emits `count` bench messages back to back, as fast as the client can write them. */
export async function runBurst(options: SenderOptions & { count: number }): Promise<SendResult> {
  const { socket, refused } = await openSender(options);
  const startedAt = nowMs();
  for (let seq = 0; seq < options.count; seq += 1) {
    socket.emit('sendMessage', benchMessage(options.kind, options.tag, seq, startedAt, options.bytes));
  }
  const endedAt = nowMs();
  await delay(500);
  socket.disconnect();
  return { sent: options.count, refused: refused(), startedAt, endedAt };
}

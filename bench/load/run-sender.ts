import { setTimeout as delay } from 'node:timers/promises';
import { nowMs } from '../stats.js';
import { benchMessage, type ContentKind, sentAtOf } from './bench-message.js';
import { benchTokens } from './bench-tokens.js';
import { connectWithRetry, openClient, type Transport, type WireParser } from './connect-clients.js';
import type { SendResult } from './load-protocol.js';

interface SenderOptions {
  url: string;
  transport: Transport;
  parser?: WireParser;
  tag: string;
  bytes: number;
  kind: ContentKind;
  jwt?: boolean;
}

// A lost handshake is tried again on a new socket, with new listeners.
async function openSender(options: SenderOptions) {
  const [token] = options.jwt ? await benchTokens(1, 'sender') : [];
  return connectWithRetry(() => createSender(options, token));
}

function createSender(options: SenderOptions, token: string | undefined) {
  const auth = { name: 'bench-sender', ...(token === undefined ? {} : { token }) };
  const socket = openClient(options.url, options.transport, auth, options.parser);
  let refused = 0;
  let heard = 0;
  let onHeard: (() => void) | undefined;
  // RelayKit reports refusals (rate limit, bad content) as relayError events when no ack is given.
  socket.on('relayError', () => {
    refused += 1;
    onHeard?.();
  });
  // Both servers send every message back to its sender too (routing "all", io.emit).
  socket.on('sendMessageFromBack', (content: unknown) => {
    if (sentAtOf(content, options.tag) === undefined) return;
    heard += 1;
    onHeard?.();
  });
  /**
   * Waits until the server has handled all `sent` messages (each came back or was refused), at most
   * `timeoutMs`, then disconnects. Disconnecting earlier can drop messages the server has not read yet.
   */
  const finish = async (sent: number, timeoutMs: number) => {
    if (heard + refused < sent) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        onHeard = () => {
          if (heard + refused < sent) return;
          clearTimeout(timer);
          resolve();
        };
      });
    }
    await delay(100);
    socket.disconnect();
  };
  return { socket, refused: () => refused, finish };
}

/**
 * Sends bench messages at a fixed rate (open loop: the schedule does not wait for deliveries) for
 * `durationMs`, the seed's way: `emit('sendMessage', content)` without an ack.
 */
export async function runSender(
  options: SenderOptions & { rate: number; durationMs: number },
): Promise<SendResult> {
  const { socket, refused, finish } = await openSender(options);
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
  await finish(sent, 10_000);
  return { sent, refused: refused(), startedAt, endedAt };
}

/** Emits `count` bench messages back to back, as fast as the client can write them. */
export async function runBurst(options: SenderOptions & { count: number }): Promise<SendResult> {
  const { socket, refused, finish } = await openSender(options);
  const startedAt = nowMs();
  for (let seq = 0; seq < options.count; seq += 1) {
    socket.emit('sendMessage', benchMessage(options.kind, options.tag, seq, startedAt, options.bytes));
  }
  const endedAt = nowMs();
  await finish(options.count, 30_000);
  return { sent: options.count, refused: refused(), startedAt, endedAt };
}

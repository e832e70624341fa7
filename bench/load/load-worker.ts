// A load-generator process: real socket.io-client connections (and an HTTP client) driven by the
// orchestrator over IPC. Receivers time each delivery against the send time the message carries.
import type { Socket } from 'socket.io-client';
import { nowMs } from '../stats.js';
import { sentAtOf } from './bench-message.js';
import { benchTokens } from './bench-tokens.js';
import { connectClients } from './connect-clients.js';
import type { Deliveries, LoadCommand, LoadReply } from './load-protocol.js';
import { runEcho, runHttp, runPing } from './run-round-trips.js';
import { runBurst, runSender } from './run-sender.js';

const receivers: Socket[] = [];
let recording:
  | {
      tag: string;
      samples: number[];
      firstAt: number;
      lastAt: number;
      cpuAtStart: NodeJS.CpuUsage;
      dropReported?: boolean;
    }
  | undefined;
let waiter: { expected: number; resolve: () => void } | undefined;

function onDelivery(content: unknown): void {
  if (!recording) return;
  const sentAt = sentAtOf(content, recording.tag);
  if (sentAt === undefined) return;
  const at = nowMs();
  if (recording.samples.length === 0) recording.firstAt = at;
  recording.lastAt = at;
  recording.samples.push(at - sentAt);
  if (waiter && recording.samples.length >= waiter.expected) {
    waiter.resolve();
    waiter = undefined;
  }
}

function cpuMsSince(start: NodeJS.CpuUsage | undefined): number {
  if (!start) return 0;
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

async function handle(command: LoadCommand): Promise<unknown> {
  switch (command.cmd) {
    case 'connect': {
      // Distinct subjects per worker process: one person per receiver, as presence counts them.
      const tokens = command.jwt ? await benchTokens(command.count, `r${process.pid}`) : undefined;
      const started = nowMs();
      const sockets = await connectClients({
        ...command,
        tokens,
        setup: (socket) => {
          socket.on('sendMessageFromBack', onDelivery);
          socket.on('disconnect', (reason) => {
            // A receiver dropped by the server mid-run explains missing deliveries; say so once per run.
            if (reason !== 'io client disconnect' && recording && !recording.dropReported) {
              recording.dropReported = true;
              process.stderr.write(`load worker: a receiver was disconnected during the run (${reason})\n`);
            }
          });
        },
      });
      receivers.push(...sockets);
      return { connected: receivers.length, ms: nowMs() - started };
    }
    case 'record':
      recording = {
        tag: command.tag,
        samples: [],
        firstAt: Number.NaN,
        lastAt: Number.NaN,
        cpuAtStart: process.cpuUsage(),
      };
      return null;
    case 'waitFor': {
      const current = recording?.samples.length ?? 0;
      if (current < command.expected) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, command.timeoutMs);
          waiter = {
            expected: command.expected,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          };
        });
        waiter = undefined;
      }
      return { count: recording?.samples.length ?? 0 };
    }
    case 'collect': {
      const result: Deliveries = {
        count: recording?.samples.length ?? 0,
        samples: Float64Array.from(recording?.samples ?? []),
        firstAt: recording?.firstAt ?? Number.NaN,
        lastAt: recording?.lastAt ?? Number.NaN,
        disconnected: receivers.filter((socket) => !socket.connected).length,
        cpuMs: cpuMsSince(recording?.cpuAtStart),
      };
      recording = undefined;
      return result;
    }
    case 'send':
      return runSender(command);
    case 'burst':
      return runBurst(command);
    case 'echo':
      return runEcho(command);
    case 'http':
      return runHttp(command);
    case 'ping':
      return runPing(command);
    case 'reset':
      for (const socket of receivers) socket.disconnect();
      receivers.length = 0;
      recording = undefined;
      return null;
    case 'close':
      for (const socket of receivers) socket.disconnect();
      receivers.length = 0;
      setTimeout(() => process.exit(0), 50);
      return null;
  }
}

process.on('message', (message: { id: number; command: LoadCommand }) => {
  handle(message.command).then(
    (result) => process.send?.({ id: message.id, ok: true, result } satisfies LoadReply),
    (error: unknown) =>
      process.send?.({
        id: message.id,
        ok: false,
        error: (error as Error).message ?? String(error),
      } satisfies LoadReply),
  );
});
process.on('disconnect', () => process.exit(0));
process.send?.({ id: 0, ok: true, result: 'ready' } satisfies LoadReply);

// The stream alone, over a real SQLite history, with a response whose reader the test controls: how much
// it buffers for a reader that stops, and when it cuts one.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { Response } from 'express';
import { describe, expect, it } from 'vitest';
import { RoomEventStream } from '../../src/history/room-event-stream.js';
import { SqliteMessageLog } from '../../src/history/sqlite-message-log.js';
import { newMessageId } from '../../src/relay/message-id.js';
import type { LoggedMessage, MessageLog } from '../../src/relay/message-log.js';
import { track } from '../support/cleanup.js';

const from = { id: 'ci', userId: 'http:ci', name: 'ci', kind: 'http' } as const;

async function logWith(contents: readonly string[]) {
  const dir = track(await mkdtemp(path.join(tmpdir(), 'relaykit-sse-')), (d) =>
    rm(d, { recursive: true, force: true }),
  );
  const log = track(
    SqliteMessageLog.open({
      store: path.join(dir, 'history.db'),
      maxMessagesPerRoom: 1000,
      maxAgeMs: 86_400_000,
    }),
    (l) => l.close(),
  );
  const messages: LoggedMessage[] = contents.map((content) => ({
    content,
    meta: { id: newMessageId(), from, room: 'ops', at: new Date().toISOString() },
  }));
  await log.append(messages);
  return { log, messages };
}

/** A response whose reader takes what was written only when the test calls `flush()`. */
function heldResponse() {
  const held: Array<() => void> = [];
  const chunks: string[] = [];
  const res = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      held.push(done);
    },
  });
  Object.assign(res, { status: () => res, setHeader: () => res, flushHeaders: () => undefined });
  const flush = () => {
    while (held.length > 0) held.shift()?.();
  };
  return { res, flush, written: () => chunks.join(''), asResponse: res as unknown as Response };
}

const until = async (check: () => boolean) => {
  const deadline = Date.now() + 3000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('not within 3 s');
    await new Promise((resolve) => setImmediate(resolve));
  }
};

describe('RoomEventStream', () => {
  it('buffers at most 64 KiB and one message for a reader that stops reading', async () => {
    // The largest content 4 KiB allows once escaped in JSON: 4 096 control characters, 6 bytes each.
    const { log, messages } = await logWith(Array.from({ length: 300 }, () => '\u0001'.repeat(4096)));
    const { res, asResponse } = heldResponse();
    const stream = new RoomEventStream(asResponse, log, {
      room: 'ops',
      after: messages[0]?.meta.id,
      slowReaderMs: 30_000,
      onCut: () => undefined,
    });
    // A page is written in one go: once over 64 KiB, what the page would add is there too.
    await until(() => res.writableLength > 64 * 1024);
    const frame = Buffer.byteLength(`id: ${messages[1]?.meta.id}\ndata: ${JSON.stringify(messages[1])}\n\n`);
    expect(res.writableLength).toBeLessThanOrEqual(64 * 1024 + frame);
    stream.close();
  });

  it('does not cut a reader that drains, when a redaction arrives while a slow store reads', async () => {
    const { log, messages } = await logWith(['before']);
    const frameOf = (m: LoggedMessage) =>
      Buffer.byteLength(`id: ${m.meta.id}\ndata: ${JSON.stringify(m)}\n\n`);
    // The first message leaves the buffer 40 bytes under 64 KiB; the redaction then goes over it.
    const first: LoggedMessage = {
      content: '',
      meta: { id: newMessageId(), from, room: 'ops', at: new Date().toISOString() },
    };
    const retry = Buffer.byteLength('retry: 2000\n\n');
    (first as { content: string }).content = 'x'.repeat(64 * 1024 - 40 - retry - frameOf(first));
    const second: LoggedMessage = {
      content: 'y'.repeat(70_000),
      meta: { id: newMessageId(), from, room: 'ops', at: new Date().toISOString() },
    };
    await log.append([first, second]);
    // A shared store (Redis) answers reads later, one message a page here: a heartbeat or a redaction
    // can come while a read is in flight.
    let reads = 0;
    let answered = 0;
    const slow = {
      read: async (query: Parameters<MessageLog['read']>[0]) => {
        reads += 1;
        await new Promise((resolve) => setTimeout(resolve, 30));
        const page = await log.read({ ...query, limit: 1 });
        answered += 1;
        return page;
      },
    } as unknown as MessageLog;
    const { res, flush, written } = heldResponse();
    let cuts = 0;
    const stream = new RoomEventStream(res as unknown as Response, slow, {
      room: 'ops',
      after: messages[0]?.meta.id,
      slowReaderMs: 200,
      onCut: () => {
        cuts += 1;
      },
    });
    await until(() => reads === 2); // the first message is written, the second being read
    stream.redacted({ id: newMessageId(), room: 'ops' });
    // The reader takes nothing until that read has been answered and handled: then keeps up.
    await until(() => answered === 2);
    await new Promise((resolve) => setImmediate(resolve));
    const reading = setInterval(flush, 5);
    try {
      await until(() => written().includes(second.meta.id));
      await new Promise((resolve) => setTimeout(resolve, 400)); // past slowReaderMs
    } finally {
      clearInterval(reading);
    }
    expect(cuts).toBe(0);
    expect(res.destroyed).toBe(false);
    stream.close();
  });
});

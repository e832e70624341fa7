// history.replayOnConnect: a person's new connection first gets the last N messages of its room.
import { describe, expect, it } from 'vitest';
import type { MessageContent, MessageMeta, RelayServerOptions } from '../../src/index.js';
import { ADMIN, PUBLISHER } from '../http/api-relay.js';
import { openClient, type TestClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';
import { startRelay } from '../support/start-relay.js';
import { collectEvents, waitForEvent } from '../support/wait-for-event.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;
type Heard = [MessageContent, MessageMeta];

function start(options: RelayServerOptions = {}) {
  return startRelay({
    greeting: 'none',
    ...options,
    api: { tokens: [PUBLISHER, ADMIN], rateLimit: false },
  });
}

async function announce(url: string, content: string, room: string | null = 'ops'): Promise<string> {
  const response = await fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { authorization: 'Bearer ci-s3cr3t', 'content-type': 'application/json' },
    body: JSON.stringify({ content, room }),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

// Connects with a listener already on, so that nothing sent right at connection is missed.
async function connectHearing(url: string, auth: Record<string, unknown>) {
  const client = openClient(url, { autoConnect: false, auth });
  const heard: Heard[] = [];
  client.on('sendMessageFromBack', (content, meta) => heard.push([content, meta]));
  client.connect();
  await waitForEvent(client, 'connect');
  return { client, heard };
}

async function until(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('replay on connect', () => {
  it('is off by default: a seed client gets nothing old', async () => {
    const { url } = await start();
    await announce(url, 'old one');
    await announce(url, 'old two', null);
    const { client } = await connectHearing(url, { room: 'ops' });
    expect(await collectEvents(client, 'sendMessageFromBack', 500)).toEqual([]);
  });

  it('sends exactly the last N of the room, announcements included, oldest first, before live ones', async () => {
    const { url, server } = await start({ history: { replayOnConnect: 3 } });
    await announce(url, 'm1');
    await announce(url, 'm2');
    await announce(url, 'm3', null);
    await announce(url, 'not this room', 'general');
    await announce(url, 'm4');
    const { client, heard } = await connectHearing(url, { room: 'ops', name: 'alice' });
    await until(() => heard.length >= 3);
    const live = waitForEvent<Heard>(client, 'sendMessageFromBack', { timeoutMs: 5000 });
    await announce(url, 'live');
    await live;
    expect(heard.map(([content]) => content)).toEqual(['m2', 'm3', 'm4', 'live']);
    expect(heard[1]?.[1]).toMatchObject({ room: null, from: { kind: 'http' } });

    // A room with fewer than N messages: all of them; a bot: none.
    const { heard: inGeneral } = await connectHearing(url, { room: 'general' });
    await until(() => inGeneral.length >= 2);
    expect(inGeneral.map(([content]) => content)).toEqual(['m3', 'not this room']);
    const { client: bot } = await connectHearing(url, { name: 'bot', botToken: server.botToken });
    expect(await collectEvents(bot, 'sendMessageFromBack', 500)).toEqual([]);
  });

  // The replay read the store itself, past the relay's page bound: 100 messages of 64 KiB (6.5 MB) went
  // to a brand-new socket at once, which the relay then cut as a slow consumer.
  it('replays one page at most, ~1 MiB, the newest messages, and never cuts the new connection', async () => {
    const { url, server, logs } = await start({
      maxContentBytes: 65_536,
      history: { replayOnConnect: 100 },
    });
    const from = { id: 'feed', name: 'feed', kind: 'http' } as const;
    const published = Array.from({ length: 100 }, (_, i) =>
      server.relay.publish(`${i}:${'x'.repeat(60_000)}`, { from, room: 'big' }),
    );
    await Promise.all(published.map((message) => message.committed));
    const { client, heard } = await connectHearing(url, { room: 'big', name: 'late' });
    const live = waitForEvent<Heard>(client, 'sendMessageFromBack', {
      filter: (content) => content === 'live',
      timeoutMs: 5000,
    });
    await announce(url, 'live', 'big');
    await live;
    const replayed = heard.map(([content]) => String(content).split(':')[0]).slice(0, -1);
    // 17 of 60 000 characters fit in 1 MiB: the newest, oldest first.
    expect(replayed.length).toBeGreaterThan(1);
    expect(replayed.length).toBeLessThanOrEqual(17);
    expect(replayed).toEqual(
      Array.from({ length: replayed.length }, (_, i) => String(100 - replayed.length + i)),
    );
    expect(client.connected).toBe(true);
    expect(logs.filter((line) => line.msg === 'slow consumer disconnected')).toEqual([]);
  });

  it('replays nothing to a connection socket.io recovered: it gets what it missed, once', async () => {
    const { url } = await start({ history: { replayOnConnect: 5 } });
    await announce(url, 'old');
    const { client, heard } = await connectHearing(url, { room: 'ops' });
    await until(() => heard.length === 1); // the replay, which also gives recovery its offset
    const dropped = waitForEvent(client, 'disconnect');
    client.io.reconnection(true).reconnectionDelay(100).reconnectionDelayMax(100);
    client.io.engine.close();
    await dropped;
    const missed = await announce(url, 'while you were away');
    await waitForEvent(client, 'connect', { timeoutMs: 5000 });
    expect(client.recovered).toBe(true);
    await until(() => heard.some(([, meta]) => meta.id === missed));
    expect(await collectEvents(client, 'sendMessageFromBack', 300)).toEqual([]);
    expect(heard.map(([content]) => content)).toEqual(['old', 'while you were away']);
  });

  // The client kit's reconnection after a relay restart (not recovered; it says `resumed`) got the room's
  // last N again: it holds them while filling its gap and released them after it, out of order.
  it('replays nothing to a connection that fills its own gap (auth.resumed), but to a seed client again', async () => {
    const { url } = await start({ history: { replayOnConnect: 5 } });
    await announce(url, 'old');
    const kit = await connectHearing(url, { room: 'ops', resumed: true });
    const live = await announce(url, 'live');
    await until(() => kit.heard.some(([, meta]) => meta.id === live));
    expect(kit.heard.map(([content]) => content)).toEqual(['live']);
    // socket.io-client's own pid of a session that cannot be recovered: it fills nothing itself.
    const seed = await connectHearing(url, { room: 'ops', pid: 'a-session-that-expired' });
    await until(() => seed.heard.length >= 2);
    expect(seed.heard.map(([content]) => content)).toEqual(['old', 'live']);
  });

  it('takes up to 200 messages (one past is a configuration error)', async () => {
    const { server } = await start({ history: { replayOnConnect: 200 } });
    expect(server.config.history).toMatchObject({ replayOnConnect: 200 });
    await expect(start({ history: { replayOnConnect: 201 } })).rejects.toMatchObject({
      code: 'RELAY_ERR_CONFIG_INVALID',
      key: 'history.replayOnConnect',
    });
  });

  it.runIf(HAS_REDIS)(
    'in a cluster, replays the shared history with no gap and no duplicate under concurrent writers',
    async () => {
      const redis = await startRedis();
      const options = { redisUrl: redis.url, rateLimit: false, history: { replayOnConnect: 50 } } as const;
      const a = await start(options);
      const b = await start(options);
      for (let n = 0; n < 60; n += 1) await announce(a.url, `before ${n}`);
      const writers: TestClient[] = [];
      for (const name of ['w1', 'w2']) {
        const { client } = await connectHearing(a.url, { room: 'ops', name });
        writers.push(client);
      }
      let writing = true;
      const refused: unknown[] = [];
      const written = writers.map(async (writer, w) => {
        for (let n = 0; writing; n += 1) {
          const ack = await writer.emitWithAck('sendMessage', `w${w}-${n}`);
          if (!ack.ok) refused.push(ack);
        }
      });
      // Readers connect to node B while node A's writers keep writing.
      const readers: Heard[][] = [];
      // Each reader's marker is in the history before it connects: it can only reach it by the replay.
      const markers: string[] = [];
      for (let r = 0; r < 8; r += 1) {
        markers.push(await announce(a.url, `marker ${r}`));
        const { heard } = await connectHearing(b.url, { room: 'ops', name: `reader${r}` });
        readers.push(heard);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      writing = false;
      await Promise.all(written);
      expect(refused).toEqual([]);
      const lastId = await announce(a.url, 'the end');
      for (const heard of readers) await until(() => heard.some(([, meta]) => meta.id === lastId));

      const pages: MessageMeta[] = [];
      let before: string | undefined;
      for (;;) {
        const query = `limit=200${before ? `&before=${before}` : ''}`;
        const response = await fetch(`${a.url}/v1/rooms/ops/messages?${query}`, {
          headers: { authorization: 'Bearer ops-s3cr3t' },
        });
        const page = (await response.json()) as { messages: { meta: MessageMeta }[]; more: boolean };
        pages.unshift(...page.messages.map(({ meta }) => meta));
        if (!page.more) break;
        before = page.messages[0]?.meta.id;
      }
      const order = new Map(pages.map((meta, index) => [meta.id, index]));
      readers.forEach((heard, r) => {
        const ids = heard.map(([, meta]) => meta.id);
        const warnings = b.logs.filter((line) => Number(line.level) >= 40).map((line) => line.msg);
        expect(ids, `replay missing; node B warned: ${JSON.stringify(warnings)}`).toContain(markers[r]);
        expect(new Set(ids).size).toBe(ids.length); // no duplicate
        const first = order.get(ids[0] as string) as number;
        // No gap: from the first message it got, every later one of the history, once.
        expect([...ids].sort((x, y) => (order.get(x) ?? -1) - (order.get(y) ?? -1))).toEqual(
          pages.slice(first).map((meta) => meta.id),
        );
        // The replay came first: 50 messages in a row of the history, oldest first.
        const replay = ids.slice(0, 50).map((id) => order.get(id) as number);
        expect(replay).toEqual(replay.map((_, i) => first + i));
      });
    },
  );
});

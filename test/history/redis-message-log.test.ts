// RedisMessageLog on its own, against a real redis-server: the order of what several nodes write.
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { RedisMessageLog } from '../../src/history/redis-message-log.js';
import type { MessageMeta } from '../../src/index.js';
import { newMessageId } from '../../src/relay/message-id.js';
import { track } from '../support/cleanup.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;
const SETTINGS = { store: ':memory:', maxMessagesPerRoom: 1000, maxAgeMs: 86_400_000 };

function message(content: string, room: string | null, id = newMessageId()) {
  const meta: MessageMeta = {
    id,
    room,
    at: new Date().toISOString(),
    from: { id: 'n', userId: 'http:n', name: 'n', kind: 'http' },
  };
  return { content, meta };
}

// A real redis-server and a client connected to it, both closed after the test.
async function connectRedis() {
  const redis = await startRedis();
  const client = createClient({ url: redis.url });
  await client.connect();
  return track(client, (c) => c.destroy());
}

// Redis's clock now (ms), once it has moved past it: entries appended after get a later millisecond in
// their stream ids (Redis's time), so a test can expire everything before them.
async function passMillisecond(client: Awaited<ReturnType<typeof connectRedis>>): Promise<number> {
  const redisMs = async () => {
    const [seconds = '0', micros = '0'] = await client.time();
    return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
  };
  const now = await redisMs();
  await expect.poll(redisMs).toBeGreaterThan(now);
  return now;
}

describe.runIf(HAS_REDIS)('RedisMessageLog', () => {
  it('reads in the order Redis stored messages, even when a node with an earlier id stores later', async () => {
    const client = await connectRedis();
    const log = track(new RedisMessageLog(client as never, SETTINGS), (l) => l.close());
    // Node X made its id first but stores it after node Y's: an announcement to everyone.
    const early = message('from node X, to everyone', null);
    const late = message('from node Y, in ops', 'ops');
    await log.append([late]);
    const reader = await log.read({ room: 'ops', limit: 10 });
    expect(reader.messages.map(({ content }) => content)).toEqual(['from node Y, in ops']);
    await log.append([early]);
    // A reader that went past node Y's message (an event stream) still gets node X's, once.
    const next = await log.read({ room: 'ops', after: late.meta.id, limit: 10 });
    expect(next.messages.map(({ content }) => content)).toEqual(['from node X, to everyone']);
    expect(await log.read({ room: 'ops', after: early.meta.id, limit: 10 })).toEqual({
      messages: [],
      more: false,
    });
    const all = await log.read({ room: 'ops', limit: 10 });
    expect(all.messages.map(({ meta }) => meta.id)).toEqual([late.meta.id, early.meta.id]);
    expect(await log.read({ room: 'ops', before: early.meta.id, limit: 10 })).toMatchObject({
      messages: [{ meta: { id: late.meta.id } }],
      more: false,
    });
  });

  // Entries take Redis's millisecond when their batch is stored, later than their ids say: a redacted
  // cursor placed by its id's time repeated older messages after it and left them out before it.
  it('places a redacted cursor where its message was, and forgets the place when it expires', async () => {
    const client = await connectRedis();
    let now = Date.now();
    const log = track(new RedisMessageLog(client as never, SETTINGS, { now: () => now }), (l) => l.close());
    const later = async () => {
      const start = Date.now();
      await expect.poll(() => Date.now()).toBeGreaterThan(start + 2);
    };
    const first = message('first', 'ops');
    await later();
    const secret = message('secret', 'ops');
    await later();
    const last = message('last', 'ops');
    await log.append([first, secret, last]);
    expect(await log.redact(secret.meta.id)).toEqual({ room: 'ops' });
    const texts = (page: { messages: readonly { content: unknown }[] }) =>
      page.messages.map(({ content }) => content);
    expect(texts(await log.read({ room: 'ops', after: secret.meta.id, limit: 10 }))).toEqual(['last']);
    expect(texts(await log.read({ room: 'ops', before: secret.meta.id, limit: 10 }))).toEqual(['first']);
    expect(await log.get(secret.meta.id)).toBeUndefined();
    expect(await client.hLen('relaykit:history:gone')).toBe(1);
    const stored = await passMillisecond(client);
    now = stored + 1 + SETTINGS.maxAgeMs;
    await log.trimExpired();
    expect(await client.hLen('relaykit:history:gone')).toBe(0);
    expect(await client.zCard('relaykit:history:gone-age')).toBe(0);
  });

  // Expired entries stay in a stream until the next trim tick (up to a minute): a forward read from an
  // old cursor got a page of them, dropped them all, and answered nothing more while young ones waited.
  it('reads forward past expired entries the trim has not deleted yet', async () => {
    const client = await connectRedis();
    let now = Date.now();
    const log = track(new RedisMessageLog(client as never, SETTINGS, { now: () => now }), (l) => l.close());
    const old = Array.from({ length: 300 }, (_, i) => message(`old${i}`, i % 2 ? 'ops' : null));
    await log.append(old);
    const lastOld = await passMillisecond(client);
    const young = [message('young0', 'ops'), message('young1', null), message('young2', 'ops')];
    await log.append(young);
    now = lastOld + 1 + SETTINGS.maxAgeMs;
    const texts = (page: { messages: readonly { content: unknown }[] }) =>
      page.messages.map(({ content }) => content);
    const expected = { more: false };
    // From before everything, from an expired message's id, and from one of each stream's.
    for (const after of ['00000000-0000-7000-8000-000000000000', old[0]?.meta.id, old[299]?.meta.id]) {
      const page = await log.read({ room: 'ops', after, limit: 10 });
      expect(texts(page), after).toEqual(['young0', 'young1', 'young2']);
      expect(page, after).toMatchObject(expected);
    }
    expect(texts(await log.read({ room: 'ops', after: young[0]?.meta.id, limit: 1 }))).toEqual(['young1']);
    // Gone for readers before the trim deletes it: not found to redact either (404, as GET answers).
    expect(await log.redact(old[1]?.meta.id as string)).toBeUndefined();
    expect(await log.redact(young[0]?.meta.id as string)).toEqual({ room: 'ops' });
  });

  // A tick scans ~1 000 room streams; one that started over each time never got past the rooms that keep
  // young messages, and the expired rooms behind them stayed for ever.
  it('expires every old room however many young rooms the scan meets first', {
    timeout: 60_000,
  }, async () => {
    const client = await connectRedis();
    let now = Date.now();
    const log = track(new RedisMessageLog(client as never, SETTINGS, { now: () => now }), (l) => l.close());
    const rooms = (prefix: string) => Array.from({ length: 2500 }, (_, i) => message('x', `${prefix}-${i}`));
    await log.append(rooms('old'));
    // The young rooms' entries get a later millisecond of Redis's clock than every old one.
    const lastOld = await passMillisecond(client);
    await log.append(rooms('young'));
    now = lastOld + 1 + SETTINGS.maxAgeMs;
    for (let tick = 0; tick < 12; tick += 1) await log.trimExpired();
    const left = await client.sMembers('relaykit:history:streams');
    expect(left.filter((key) => key.includes('room:old-'))).toEqual([]);
    expect(left).toHaveLength(2500);
  });

  // Appends of successive turns are in flight together; after Redis lost its scripts (a restart, a
  // failover) the retry of a refused EVALSHA ran after a later turn's, out of publish order.
  it('keeps publish order across turns after Redis lost its script cache', async () => {
    const client = await connectRedis();
    const log = track(new RedisMessageLog(client as never, SETTINGS), (l) => l.close());
    await log.append([message('load the scripts', 'warm-up')]);
    for (let round = 0; round < 5; round += 1) {
      await client.sendCommand(['SCRIPT', 'FLUSH']);
      const room = `room-${round}`;
      const sent: Promise<void>[] = [];
      for (let i = 0; i < 30; i += 1) {
        sent.push(log.append([message(`m${i}`, room)]));
        await new Promise((resolve) => setImmediate(resolve)); // one message a turn
      }
      await Promise.all(sent);
      const page = await log.read({ room, limit: 30 });
      expect(page.messages.map(({ content }) => content)).toEqual(
        Array.from({ length: 30 }, (_, i) => `m${i}`),
      );
    }
  });
});

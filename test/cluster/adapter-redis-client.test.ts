// The adapter's view of a node's Redis client, on a stand-in client that records what reaches it: the view
// is what is under test here (the outage itself, with a real Redis, is in redis-outage-writes.test.ts).
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  adapterRedisClient,
  RedisDownError,
  steadyServerCount,
} from '../../src/cluster/adapter-redis-client.js';
import type { RedisLink } from '../../src/cluster/redis-links.js';

interface StandInState {
  sent: string[];
  loading: number;
  answerMs: number;
}

// Like node-redis's, the stand-in's commands need their `this`: a command called detached fails.
function standIn() {
  const client = Object.assign(new EventEmitter(), {
    isReady: false,
    sent: [] as string[],
    // Writes still to answer with Redis's error while it loads its data after a restart.
    loading: 0,
    // How long Redis takes to answer a SET (ms): 0, at once.
    answerMs: 0,
    set(this: StandInState, key: string, value: string, options?: { PX?: number }) {
      const { answerMs } = this;
      const later = (answer: () => Promise<unknown>): Promise<unknown> =>
        answerMs === 0 ? answer() : new Promise((resolve) => setTimeout(() => resolve(answer()), answerMs));
      if (this.loading > 0) {
        this.loading -= 1;
        return later(() => Promise.reject(new Error('LOADING Redis is loading the dataset in memory')));
      }
      this.sent.push(`set ${key} ${value}${options?.PX === undefined ? '' : ` PX ${options.PX}`}`);
      return later(() => Promise.resolve('OK'));
    },
    del(this: StandInState, key: string) {
      this.sent.push(`del ${key}`);
      return Promise.resolve(1);
    },
    xAdd: () => Promise.resolve('1-0'),
    xRange: () => Promise.resolve([]),
    publish: () => Promise.resolve(0),
    multi: () => ({}),
  });
  return client;
}

describe('adapterRedisClient', () => {
  it('refuses while down, then makes the newest session write of each key once ready: at the bound and one past it', async () => {
    const client = standIn();
    const failures: string[] = [];
    const view = adapterRedisClient(client as unknown as RedisLink, (command) => failures.push(command), {
      maxReplayed: 2,
    });
    await expect(view.set('s1', 'a')).rejects.toBeInstanceOf(RedisDownError);
    await expect(view.set('s2', 'a')).rejects.toBeInstanceOf(RedisDownError);
    await expect(view.set('s1', 'b')).rejects.toBeInstanceOf(RedisDownError); // newest of s1
    await expect(view.xAdd('stream', '*', {})).rejects.toBeInstanceOf(RedisDownError);
    expect(() => view.multi()).toThrow(RedisDownError);
    expect(failures).toEqual(['set', 'set', 'set', 'xAdd', 'multi']);
    client.isReady = true;
    client.emit('ready');
    // At the bound (two keys): both, s1 as last written; an event (XADD) is never sent late.
    expect(client.sent).toEqual(['set s2 a', 'set s1 b']);

    client.isReady = false;
    client.sent.length = 0;
    for (const key of ['s3', 's4', 's5']) await expect(view.del(key)).rejects.toBeInstanceOf(RedisDownError);
    client.isReady = true;
    client.emit('ready');
    // One past it: the oldest is forgotten.
    expect(client.sent).toEqual(['del s4', 'del s5']);
    client.emit('ready');
    expect(client.sent).toHaveLength(2);
  });

  it('passes every command through while ready', async () => {
    const client = standIn();
    client.isReady = true;
    const view = adapterRedisClient(client as unknown as RedisLink, () => {
      throw new Error('nothing fails');
    });
    expect(await view.set('s1', 'a')).toBe('OK');
    expect(client.sent).toEqual(['set s1 a']);
  });
});

// On fake time: a stand-in client that is down, its adapter's view, and a SET of each
// [key, value, PX] refused; `back()` makes the client ready again.
async function refusedWhileDown(...writes: Array<[key: string, value: string, px: number]>) {
  vi.useFakeTimers({ toFake: ['Date', 'setTimeout'] });
  const client = standIn();
  const view = adapterRedisClient(client as unknown as RedisLink, () => undefined);
  for (const [key, value, px] of writes) {
    await expect(view.set(key, value, { PX: px })).rejects.toBeInstanceOf(RedisDownError);
  }
  const back = () => {
    client.isReady = true;
    client.emit('ready');
  };
  return { client, view, back };
}

describe('adapterRedisClient, as time passes', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('makes a refused SET with what is left of its expiry, and none once it would have expired', async () => {
    const { client, back } = await refusedWhileDown(['kept', 'a', 120_000], ['gone', 'a', 20_000]);
    vi.setSystemTime(Date.now() + 30_000);
    back();
    expect(client.sent).toEqual(['set kept a PX 90000']);
  });

  it('tries a replayed write Redis refused (still loading) again a second later, unless the key was written since', async () => {
    const { client, view, back } = await refusedWhileDown(['s1', 'old', 120_000], ['s2', 'old', 120_000]);
    client.loading = 2;
    back();
    await vi.advanceTimersByTimeAsync(0);
    expect(client.sent).toEqual([]);
    // The adapter writes s2 anew meanwhile: that is what Redis must end with.
    await view.set('s2', 'new', { PX: 120_000 });
    await vi.advanceTimersByTimeAsync(1000);
    expect(client.sent).toEqual(['set s2 new PX 120000', 'set s1 old PX 119000']);
    await vi.advanceTimersByTimeAsync(5000);
    expect(client.sent).toHaveLength(2);
  });

  // The replay was sent and Redis refused it only after the adapter had written the key anew: tried
  // again, the old session overwrote the new one a second later.
  it('does not try a refused replay again once the adapter wrote its key meanwhile', async () => {
    const { client, view, back } = await refusedWhileDown(['s', 'old', 120_000]);
    client.answerMs = 5;
    client.loading = 1;
    back(); // the replay is sent; Redis answers in 5 ms, refusing it
    const fresh = view.set('s', 'new', { PX: 120_000 });
    await vi.advanceTimersByTimeAsync(10);
    await fresh;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(client.sent).toEqual(['set s new PX 120000']);
  });
});

describe('steadyServerCount', () => {
  it('answers the last count without asking while down, and when asking fails', async () => {
    const client = { isReady: true };
    let answer: () => Promise<number> = () => Promise.resolve(3);
    let asked = 0;
    const adapter = {
      serverCount: () => {
        asked += 1;
        return answer();
      },
    };
    steadyServerCount(adapter, client);
    expect(await adapter.serverCount()).toBe(3);
    client.isReady = false;
    expect(await adapter.serverCount()).toBe(3);
    expect(asked).toBe(1);
    client.isReady = true;
    answer = () => Promise.reject(new Error('connection lost'));
    expect(await adapter.serverCount()).toBe(3);
  });
});

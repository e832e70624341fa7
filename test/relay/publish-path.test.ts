import { describe, expect, it } from 'vitest';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { collectEvents, waitForEvent } from '../support/wait-for-event.js';

describe('the publish path', () => {
  it('keeps a delivered message a success when an observer throws, and still runs the other observers', async () => {
    const { server, url, logs } = await startRelay({ greeting: 'none' });
    const seen: string[] = [];
    server.relay.observe({
      published: () => {
        throw new Error('a broken metrics hook');
      },
    });
    server.relay.observe({ published: (meta) => seen.push(meta.id) });
    const sender = await connectClient(url);
    const listener = await connectClient(url);
    const heard = waitForEvent<[string]>(listener, 'sendMessageFromBack');
    const ack = await sender.emitWithAck('sendMessage', 'hello');
    expect(ack).toMatchObject({ ok: true });
    expect((await heard)[0]).toBe('hello');
    expect(seen).toEqual([ack.ok ? ack.id : '']);
    expect(logs.find((line) => line.msg === 'publish observer failed')).toMatchObject({ level: 50 });
  });

  it('awaits nothing on a single node without history: a message is out, and counted, when publish returns', async () => {
    const { server } = await startRelay({ greeting: 'none', history: false });
    const seen: string[] = [];
    server.relay.observe({ published: (meta) => seen.push(meta.id) });
    const from = { id: 'code', name: 'code', kind: 'http' } as const;
    const published = server.relay.publish('now', { from });
    expect(published.committed).toBeUndefined();
    expect(seen).toEqual([published.id]);
    const batch = server.relay.publishBatch([
      { content: 'one', options: { from } },
      { content: 'two', options: { from, room: 'ops' } },
    ]);
    expect(batch.committed).toBeUndefined();
    expect(seen).toEqual([published.id, ...batch.messages.map(({ id }) => id)]);
  });

  it('publishes a batch all or nothing: one refused message and none of them is sent', async () => {
    const { server, url } = await startRelay({ greeting: 'none' });
    const listener = await connectClient(url);
    const heard = collectEvents<[string]>(listener, 'sendMessageFromBack', 300);
    const from = { id: 'code', name: 'code', kind: 'http' } as const;
    expect(() =>
      server.relay.publishBatch([
        { content: 'fine', options: { from } },
        { content: 'to a bad room', options: { from, room: 'not a room!' } },
      ]),
    ).toThrow(expect.objectContaining({ code: 'RELAY_ERR_INVALID_ROOM' }));
    expect(await heard).toEqual([]);
  });

  it('refuses echo or others without the socket they are relative to, instead of broadcasting', async () => {
    const { server } = await startRelay({ greeting: 'none' });
    for (const delivery of ['echo', 'others'] as const) {
      expect(() =>
        server.relay.publish('to whom?', { from: { id: 'code', name: 'code', kind: 'http' }, delivery }),
      ).toThrow(expect.objectContaining({ code: 'RELAY_ERR_INVALID_OPTIONS' }));
    }
  });
});

import { describe, expect, it } from 'vitest';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

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

  it('refuses echo or others without the socket they are relative to, instead of broadcasting', async () => {
    const { server } = await startRelay({ greeting: 'none' });
    for (const delivery of ['echo', 'others'] as const) {
      expect(() =>
        server.relay.publish('to whom?', { from: { id: 'code', name: 'code', kind: 'http' }, delivery }),
      ).toThrow(expect.objectContaining({ code: 'RELAY_ERR_INVALID_OPTIONS' }));
    }
  });
});

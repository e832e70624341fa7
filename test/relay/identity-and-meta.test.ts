import { describe, expect, it } from 'vitest';
import type { MessageMeta, SendAck } from '../../src/index.js';
import { connectClient, openClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

describe('identity and meta', () => {
  it('stamps each message with id, sender, room and time, the id matching the ack', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const john = await connectClient(url, { auth: { name: '  John  ' } });
    const before = Date.now();
    const heard = waitForEvent<[string, MessageMeta]>(john, 'sendMessageFromBack');
    const ack: SendAck = await john.emitWithAck('sendMessage', 'Hello John !');
    const [content, meta] = await heard;
    expect(content).toBe('Hello John !');
    expect(ack).toEqual({ ok: true, id: meta.id });
    expect(meta).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      from: { id: john.id, userId: `anon:${john.id}`, name: 'John', kind: 'user' },
      room: 'lobby',
      at: expect.any(String),
    });
    expect(Date.parse(meta.at)).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(meta.at)).toBeLessThanOrEqual(Date.now() + 1000);
  });

  it('gives a generated name to clients without one, and a system sender to the greeting', async () => {
    const { url } = await startRelay();
    const anonymous = openClient(url, { autoConnect: false });
    const greeting = waitForEvent<[string, MessageMeta]>(anonymous, 'sendMessageFromBack');
    anonymous.connect();
    const [text, greetingMeta] = await greeting;
    expect(text).toBe('New user connected');
    expect(greetingMeta.from).toEqual({ id: 'relay', userId: 'system:relay', name: 'relay', kind: 'system' });

    const heard = waitForEvent<[string, MessageMeta]>(anonymous, 'sendMessageFromBack');
    anonymous.emit('sendMessage', 'hi');
    expect((await heard)[1].from.name).toMatch(/^guest-[0-9a-f]{4}$/);
  });

  it('refuses a connection with an invalid display name, with a typed connect_error', async () => {
    const { url } = await startRelay();
    for (const name of ['x'.repeat(41), 'bell\u0007', 42]) {
      await expect(connectClient(url, { auth: { name } })).rejects.toMatchObject({
        message: expect.stringContaining('display name'),
        data: { code: 'RELAY_ERR_INVALID_NAME' },
      });
    }
  });
});

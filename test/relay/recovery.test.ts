import { describe, expect, it } from 'vitest';
import type { MessageMeta } from '../../src/index.js';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

describe('connection state recovery', () => {
  it('delivers what a client missed while briefly disconnected, keeping its identity and room', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const dropper = await connectClient(url, {
      auth: { name: 'dropper', room: 'ops' },
      reconnection: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 100,
    });
    const sender = await connectClient(url, { auth: { room: 'ops' } });
    // Recovery needs an offset: the client must have received at least one broadcast first.
    const first = waitForEvent(dropper, 'sendMessageFromBack');
    sender.emit('sendMessage', 'before the drop');
    await first;
    const idBefore = dropper.id;

    const dropped = waitForEvent<[string]>(dropper, 'disconnect');
    dropper.io.engine.close(); // the network goes away for a moment
    expect((await dropped)[0]).toBe('forced close');
    expect((await sender.emitWithAck('sendMessage', 'while you were away')).ok).toBe(true);

    const missed = waitForEvent<[string, MessageMeta]>(dropper, 'sendMessageFromBack', { timeoutMs: 5000 });
    await waitForEvent(dropper, 'connect', { timeoutMs: 5000 });
    expect(dropper.recovered).toBe(true);
    expect(dropper.id).toBe(idBefore);
    const [content, meta] = await missed;
    expect(content).toBe('while you were away');
    expect(meta.room).toBe('ops');

    // Still in its room with its name after recovery.
    const heard = waitForEvent<[string, MessageMeta]>(sender, 'sendMessageFromBack');
    dropper.emit('sendMessage', 'I am back');
    expect((await heard)[1]).toMatchObject({ room: 'ops', from: { name: 'dropper' } });
  });

  it('does not recover when recovery is turned off', async () => {
    const { url } = await startRelay({ greeting: 'none', recoveryWindowMs: 0 });
    const dropper = await connectClient(url, { reconnection: true, reconnectionDelay: 100 });
    const sender = await connectClient(url);
    const first = waitForEvent(dropper, 'sendMessageFromBack');
    sender.emit('sendMessage', 'before the drop');
    await first;
    dropper.io.engine.close();
    await waitForEvent(dropper, 'connect', { timeoutMs: 5000 });
    expect(dropper.recovered).not.toBe(true);
    expect(dropper.connected).toBe(true);
  });
});

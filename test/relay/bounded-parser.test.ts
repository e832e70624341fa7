import { describe, expect, it } from 'vitest';
import type { SendAck } from '../../src/index.js';
import { MAX_CONNECTS_PER_CONNECTION, MAX_EVENT_ARGUMENTS } from '../../src/relay/bounded-parser.js';
import { connectClient, openClient } from '../support/connect-client.js';
import { openRawWebSocket } from '../support/raw-engine-client.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

const extra = (count: number) => Array.from({ length: count }, (_, i) => i);

describe('event arguments', () => {
  it('reads an event with 8 arguments, and refuses one with 9 with RELAY_ERR_TOO_MANY_ARGUMENTS', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const client = await connectClient(url);
    const [content, ...rest] = ['hi', ...extra(MAX_EVENT_ARGUMENTS - 1)];
    const atLimit: SendAck = await client.emitWithAck('sendMessage', content, ...(rest as []));
    expect(atLimit).toMatchObject({ ok: true });
    const past = (await client.emitWithAck(
      'sendMessage',
      'hi',
      ...(extra(MAX_EVENT_ARGUMENTS) as []),
    )) as SendAck;
    expect(past).toEqual({
      ok: false,
      error: expect.objectContaining({
        code: 'RELAY_ERR_TOO_MANY_ARGUMENTS',
        message: expect.stringContaining('came with 9 arguments'),
      }),
    });
  });

  // socket.io applies a packet's arguments onto the stack: this packet ended the process before.
  it('answers a 180 KB packet of 90 000 arguments with a typed error, and the relay keeps serving', async () => {
    const { url, logs } = await startRelay({ greeting: 'none', maxHttpBufferSize: 200_000 });
    const raw = await openRawWebSocket(url);
    const before = raw.packets.length;
    raw.write([`421["sendMessage","hi",${extra(89_999).fill(0).join(',')}]`]);
    await expect
      .poll(() => raw.packets.slice(before), { timeout: 5000 })
      .toEqual([expect.stringMatching(/^431\[\{"ok":false,"error":\{"code":"RELAY_ERR_TOO_MANY_ARGUMENTS"/)]);
    const client = await connectClient(url);
    expect(await client.emitWithAck('sendMessage', 'still here')).toMatchObject({ ok: true });
    expect(logs.filter((line) => line.code === 'RELAY_ERR_TOO_MANY_ARGUMENTS')).toHaveLength(1);
  });
});

describe('handshakes and acknowledgements a client sends', () => {
  it('makes one socket of CONNECTs sent together: at the limit one connection, one past it none', async () => {
    const { server, url, logs } = await startRelay({ greeting: 'none' });
    const connected = () => logs.filter((line) => line.msg === 'client connected').length;
    const atLimit = await openRawWebSocket(url, { join: false });
    atLimit.write(Array.from({ length: MAX_CONNECTS_PER_CONNECTION }, () => '40'));
    await expect.poll(() => atLimit.packets.filter((p) => p.startsWith('40{'))).toHaveLength(1);
    expect(server.io.of('/').sockets.size).toBe(1);

    const past = await openRawWebSocket(url, { join: false });
    past.write(Array.from({ length: MAX_CONNECTS_PER_CONNECTION + 1 }, () => '40'));
    await past.closed;
    expect(past.packets.filter((p) => p.startsWith('40{'))).toEqual([]);
    expect(server.io.of('/').sockets.size).toBe(1);
    expect(connected()).toBe(1);
  });

  it('connects a client whose connect() ran twice once, refuses another namespace, and ends a connection that sends an ACK', async () => {
    const { server, url } = await startRelay({ greeting: 'none' });
    const twice = openClient(url, { transports: ['websocket'], autoConnect: false });
    twice.connect();
    twice.io.once('open', () => twice.connect());
    await waitForEvent(twice, 'connect');
    expect(await twice.emitWithAck('sendMessage', 'once')).toMatchObject({ ok: true });
    expect(server.io.of('/').sockets.size).toBe(1);

    // A second namespace multiplexed on the same connection is refused; the first one goes on.
    const admin = twice.io.socket('/admin');
    const [refused] = await waitForEvent<[Error]>(admin.connect(), 'connect_error');
    expect(refused.message).toBe('Invalid namespace');
    expect(await twice.emitWithAck('sendMessage', 'still here')).toMatchObject({ ok: true });
    admin.disconnect();

    const raw = await openRawWebSocket(url);
    raw.write(['430[{"ok":true}]']);
    await raw.closed;
    expect(server.io.of('/').sockets.size).toBe(1);
  });
});

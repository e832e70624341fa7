// Every documented limit of the socket path, at the limit and one past it: an off-by-one in any of them
// fails here.
import { describe, expect, it } from 'vitest';
import type { MessageContent, MessageMeta, WireError } from '../../src/index.js';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

const MAX = 4096; // maxContentBytes' default
const EURO = '€'; // 3 UTF-8 bytes, 1 UTF-16 unit
const GRIN = '😀'; // 4 UTF-8 bytes, 2 UTF-16 units

const bytes = (content: MessageContent) =>
  Buffer.byteLength(typeof content === 'string' ? content : JSON.stringify(content), 'utf8');

// `{"text":"…"}` is 11 bytes around the text.
const objectOf = (text: string) => ({ text });

// Pairs of [at the limit, one byte past it].
const CONTENT: Array<[string, MessageContent, MessageContent]> = [
  ['an ASCII string', 'x'.repeat(MAX), 'x'.repeat(MAX + 1)],
  // 1365 × 3 bytes + 1 = 4096, in 1366 UTF-16 units: the byte count, not the length, is the limit.
  ['a string of 3-byte characters', `${EURO.repeat(1365)}a`, `${EURO.repeat(1365)}ab`],
  ['a string of 4-byte characters', GRIN.repeat(1024), `${GRIN.repeat(1024)}a`],
  ['an object', objectOf('x'.repeat(MAX - 11)), objectOf('x'.repeat(MAX - 10))],
  ['an object with multibyte text', objectOf(`${EURO.repeat(1361)}ab`), objectOf(`${EURO.repeat(1361)}abc`)],
];

describe('limits of the socket path', () => {
  it.each(CONTENT)(
    'accepts %s of exactly maxContentBytes and refuses one byte more',
    async (_label, atLimit, past) => {
      expect([bytes(atLimit), bytes(past)]).toEqual([MAX, MAX + 1]);
      const { url } = await startRelay({ greeting: 'none' });
      const sender = await connectClient(url);
      const listener = await connectClient(url);
      const heard = waitForEvent<[MessageContent, MessageMeta]>(listener, 'sendMessageFromBack');
      expect(await sender.emitWithAck('sendMessage', atLimit)).toMatchObject({ ok: true });
      expect((await heard)[0]).toEqual(atLimit);
      expect(await sender.emitWithAck('sendMessage', past)).toMatchObject({
        ok: false,
        error: { code: 'RELAY_ERR_CONTENT_TOO_LARGE', message: expect.stringContaining(`${MAX + 1} bytes`) },
      });
    },
  );

  it('accepts a room name of 64 characters and refuses 65, on join and at the handshake', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const longest = `${'a'.repeat(30)}-_.${'Z9'.repeat(15)}x`;
    expect(longest).toHaveLength(64);
    const socket = await connectClient(url);
    expect(await socket.emitWithAck('join', longest)).toEqual({ ok: true, room: longest });
    expect(await socket.emitWithAck('join', `${longest}x`)).toMatchObject({
      ok: false,
      error: { code: 'RELAY_ERR_INVALID_ROOM' },
    });
    const inRoom = await connectClient(url, { auth: { room: longest } });
    const heard = waitForEvent<[string, MessageMeta]>(inRoom, 'sendMessageFromBack');
    socket.emit('sendMessage', 'in the longest room');
    expect((await heard)[1].room).toBe(longest);
    await expect(connectClient(url, { auth: { room: `${longest}x` } })).rejects.toMatchObject({
      data: { code: 'RELAY_ERR_INVALID_ROOM' },
    });
  });

  it('accepts a display name of 40 characters, astral ones included, and refuses 41', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    // 40 characters but 80 UTF-16 units: characters, not units, are counted.
    for (const name of ['n'.repeat(40), GRIN.repeat(40), `  ${'n'.repeat(40)}  `]) {
      const socket = await connectClient(url, { auth: { name } });
      const heard = waitForEvent<[string, MessageMeta]>(socket, 'sendMessageFromBack');
      socket.emit('sendMessage', 'hi');
      expect((await heard)[1].from.name).toBe(name.trim());
    }
    for (const name of ['n'.repeat(41), GRIN.repeat(41)]) {
      await expect(connectClient(url, { auth: { name } })).rejects.toMatchObject({
        data: { code: 'RELAY_ERR_INVALID_NAME' },
      });
    }
  });

  // A websocket frame is the engine.io packet: `42["sendMessage","…"]`, 20 bytes around the text.
  it('takes a packet of exactly maxHttpBufferSize and drops the connection at one byte more', async () => {
    const limit = 65_536;
    const { url } = await startRelay({ greeting: 'none' });
    const packetOf = (size: number) => 'x'.repeat(size - 20);

    const sender = await connectClient(url, { transports: ['websocket'] });
    // The content is over maxContentBytes: the relay answering it proves the packet was read.
    const answered = waitForEvent<[WireError]>(sender, 'relayError');
    sender.emit('sendMessage', packetOf(limit));
    expect((await answered)[0]).toMatchObject({ code: 'RELAY_ERR_CONTENT_TOO_LARGE' });
    expect(sender.connected).toBe(true);

    const dropped = waitForEvent<[string]>(sender, 'disconnect');
    sender.emit('sendMessage', packetOf(limit + 1));
    expect((await dropped)[0]).toMatch(/transport (close|error)/);
  });
});

import { describe, expect, it } from 'vitest';
import type { SendAck } from '../../src/index.js';
import { MAX_EVENT_ARGUMENTS } from '../../src/relay/bounded-parser.js';
import { connectClient } from '../support/connect-client.js';
import { openRawWebSocket } from '../support/raw-engine-client.js';
import { startRelay } from '../support/start-relay.js';

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

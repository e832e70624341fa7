// Outgoing webhooks end to end: a real relay, real socket.io clients and real HTTP endpoints.
import { describe, expect, it } from 'vitest';
import type { MessageContent, MessageMeta, RelayServerOptions } from '../../src/index.js';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';
import { json, SECRET, startReceiver } from './webhook-receiver.js';

const endpoint = (url: string, extra: Record<string, unknown> = {}) => ({
  id: 'deploy-bot',
  name: 'Deploy bot',
  url,
  rooms: ['ops'],
  trigger: { prefix: '!deploy' },
  secret: SECRET,
  ...extra,
});

function relayWith(endpoints: unknown[], webhooks: RelayServerOptions['webhooks'] = {}) {
  return startRelay({ greeting: 'none', webhooks: { allowPrivateNetworks: true, endpoints, ...webhooks } });
}

const heard = (
  client: Parameters<typeof waitForEvent>[0],
  filter: (content: MessageContent, meta: MessageMeta) => boolean,
) => waitForEvent<[MessageContent, MessageMeta]>(client, 'sendMessageFromBack', { timeoutMs: 5000, filter });

describe('outgoing webhooks', () => {
  it('POSTs a matching message as signed JSON { content, meta } and publishes the { text } answer as the bot', async () => {
    const receiver = await startReceiver({ answer: json({ text: 'deploying api' }) });
    const { url } = await relayWith([endpoint(receiver.url)]);
    const alice = await connectClient(url, { auth: { room: 'ops', name: 'alice' } });
    const answer = heard(alice, (_c, meta) => meta.from.kind === 'bot');
    alice.emit('sendMessage', '!deploy api');
    const [content, meta] = await answer;
    const [delivery] = await receiver.waitFor(1);
    expect(delivery?.signatureValid).toBe(true);
    expect(delivery?.id).toMatch(/^msg_/);
    expect(delivery?.body.content).toBe('!deploy api');
    expect(delivery?.body.meta).toMatchObject({ room: 'ops', from: { name: 'alice', kind: 'user' } });
    expect(content).toBe('deploying api');
    expect(meta).toMatchObject({
      room: 'ops',
      from: { kind: 'bot', name: 'Deploy bot', id: 'webhook:deploy-bot' },
      causedBy: delivery?.body.meta.id,
      hops: 1,
    });
  });

  it('publishes a { content } answer as it is, and sends nothing for messages the trigger or rooms leave out', async () => {
    const receiver = await startReceiver({ answer: json({ content: { text: 'pong', card: 'x' } }) });
    const { url } = await relayWith([endpoint(receiver.url, { trigger: { words: ['ping'] } })]);
    const alice = await connectClient(url, { auth: { room: 'ops' } });
    const lobby = await connectClient(url);
    const answer = heard(alice, (_c, meta) => meta.from.kind === 'bot');
    lobby.emit('sendMessage', 'ping'); // another room
    alice.emit('sendMessage', 'pinged'); // not the whole word
    alice.emit('sendMessage', 'well, PING!');
    const [content] = await answer;
    expect(content).toEqual({ text: 'pong', card: 'x' });
    expect(receiver.received.map((d) => d.body.content)).toEqual(['well, PING!']);
  });

  // Each connection's "New user connected" (greeting self, the default) was POSTed to an endpoint
  // watching every message of the room, though no one in the room heard it: a client reconnecting in a
  // loop cost a POST each time.
  it.each(['self', 'all'] as const)(
    "sends no greeting (greeting %s): the relay's notices are not the room's",
    async (greeting) => {
      const receiver = await startReceiver();
      const { url } = await startRelay({
        greeting,
        webhooks: {
          allowPrivateNetworks: true,
          endpoints: [endpoint(receiver.url, { trigger: { all: true } })],
        },
      });
      for (let i = 0; i < 3; i += 1) await connectClient(url, { auth: { room: 'ops' } });
      const alice = await connectClient(url, { auth: { room: 'ops' } });
      alice.emit('sendMessage', 'a real message');
      await receiver.waitFor(1);
      expect(receiver.received.map((d) => d.body.content)).toEqual(['a real message']);
    },
  );

  it('never sends an endpoint its own answers, and two webhook bots answering each other stop at maxBotHops', async () => {
    const a = await startReceiver({ answer: json({ text: 'from a' }) });
    const b = await startReceiver({ answer: json({ text: 'from b' }) });
    const { url, logs } = await startRelay({
      greeting: 'none',
      maxBotHops: 3,
      webhooks: {
        allowPrivateNetworks: true,
        endpoints: [
          endpoint(a.url, { id: 'a', trigger: { all: true } }),
          endpoint(b.url, { id: 'b', trigger: { all: true } }),
        ],
      },
    });
    const alice = await connectClient(url, { auth: { room: 'ops' } });
    alice.emit('sendMessage', 'hello bots');
    // hops 1 (a and b answer alice), 2, 3; the fourth answer would be hop 4 and is refused.
    await waitForEvent(alice, 'sendMessageFromBack', {
      timeoutMs: 5000,
      filter: (_c: unknown, meta: MessageMeta) => meta.hops === 3,
    });
    const refused = () => logs.some((line) => line.code === 'RELAY_ERR_LOOP_DETECTED');
    const deadline = Date.now() + 5000;
    while (!refused() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(refused()).toBe(true);
    for (const [receiver, self] of [
      [a, 'webhook:a'],
      [b, 'webhook:b'],
    ] as const) {
      expect(receiver.received.every((d) => (d.body.meta.from as { id: string }).id !== self)).toBe(true);
      expect(Math.max(...receiver.received.map((d) => Number(d.body.meta.hops ?? 0)))).toBe(3);
    }
  });
});

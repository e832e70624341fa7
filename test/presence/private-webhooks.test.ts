// Outgoing webhooks are bots too: a private message in a room they watch is not theirs to hear.
import { describe, expect, it } from 'vitest';
import { startRelay } from '../support/start-relay.js';
import { SECRET, startReceiver } from '../webhooks/webhook-receiver.js';

describe('private messages and outgoing webhooks', () => {
  it('sends a webhook endpoint the room messages it watches, never a private one about that room', async () => {
    const receiver = await startReceiver();
    const { server } = await startRelay({
      greeting: 'none',
      webhooks: {
        allowPrivateNetworks: true,
        endpoints: [
          { id: 'hook', url: receiver.url, rooms: ['ops'], trigger: { all: true }, secret: SECRET },
        ],
      },
    });
    const from = { id: 'ops', name: 'ops', kind: 'http' } as const;
    server.relay.publish('private, about ops', { from, room: 'ops', to: 'u-zoe' });
    // Published after it: once this one arrived, the private one would have been queued before it.
    const { id } = server.relay.publish('for the room', { from, room: 'ops' });
    const deliveries = await receiver.waitFor(1);
    expect(deliveries.map((delivery) => delivery.body.meta.id)).toEqual([id]);
  });
});

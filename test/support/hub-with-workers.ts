import { EventEmitter } from 'node:events';
import { HubClient } from '../../src/cluster/hub-client.js';
import type { HubChannel, HubMessage } from '../../src/cluster/hub-messages.js';
import { PrimaryHub } from '../../src/cluster/primary-hub.js';
import { track } from './cleanup.js';

/** What a PrimaryHub may be given in tests. */
export interface TestHubOptions {
  maxIdempotencyEntries?: number;
  maxClaims?: number;
  maxRemovedWebhooks?: number;
  metricsWaitMs?: number;
}

/**
 * A primary's hub with `count` workers, and `channel(id)`: a new channel of worker `id` to it. Channels
 * are in memory and deliver asynchronously, copying each message, as IPC does. `ids` are the workers
 * alive: take one out to have it exit.
 */
export function primaryHubWithChannels(
  count: number,
  options: TestHubOptions = {},
): { hub: PrimaryHub; channel(id: number): HubChannel; ids: number[] } {
  const inboxes = new Map<number, EventEmitter>();
  const ids = Array.from({ length: count }, (_, index) => index + 1);
  for (const id of ids) inboxes.set(id, new EventEmitter());
  const hub = new PrimaryHub({
    workers: {
      send: (id, message) => setImmediate(() => inboxes.get(id)?.emit('message', structuredClone(message))),
      ids: () => ids,
    },
    maxIdempotencyEntries: options.maxIdempotencyEntries ?? 100,
    ...(options.maxClaims === undefined ? {} : { maxClaims: options.maxClaims }),
    ...(options.maxRemovedWebhooks === undefined ? {} : { maxRemovedWebhooks: options.maxRemovedWebhooks }),
    ...(options.metricsWaitMs === undefined ? {} : { metricsWaitMs: options.metricsWaitMs }),
  });
  const channel = (id: number): HubChannel => {
    const inbox = inboxes.get(id) as EventEmitter;
    return {
      send: (message: HubMessage) => setImmediate(() => hub.receive(id, structuredClone(message))),
      on: (event, listener) => inbox.on(event, listener),
      off: (event, listener) => inbox.off(event, listener),
    };
  };
  return { hub, channel, ids };
}

/** A primary's hub and one HubClient for each of `count` workers, closed after the test. */
export function hubWithWorkers(
  count: number,
  options: TestHubOptions = {},
): { hub: PrimaryHub; clients: HubClient[]; ids: number[] } {
  const { hub, channel, ids } = primaryHubWithChannels(count, options);
  const clients = ids.map((id) => track(new HubClient(channel(id)), (client) => client.close()));
  return { hub, clients, ids };
}

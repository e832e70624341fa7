// The dispatcher alone, on a real store, a real registry and real endpoints: what it does while
// deliveries wait for a slot.
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { MessageMeta } from '../../src/index.js';
import type { PublishObserver } from '../../src/relay/publish-observer.js';
import type { DeliverySettings } from '../../src/webhooks/delivery-settings.js';
import { LocalWebhookDirectory } from '../../src/webhooks/webhook-directory.js';
import { WebhookDispatcher } from '../../src/webhooks/webhook-dispatcher.js';
import { checkWebhookEndpoint } from '../../src/webhooks/webhook-endpoint.js';
import { WebhookRegistry } from '../../src/webhooks/webhook-registry.js';
import { WebhookStore } from '../../src/webhooks/webhook-store.js';
import { track } from '../support/cleanup.js';
import { quietWindow, waitUntil } from './wait-until.js';
import { SECRET, startReceiver } from './webhook-receiver.js';

const SETTINGS: DeliverySettings = {
  allowPrivateNetworks: true,
  timeoutMs: 10_000,
  maxAttempts: 3,
  retryBaseMs: 1000,
  retryMaxMs: 10_000,
  concurrency: 1,
  maxResponseBytes: 65_536,
  maxQueued: 100,
  maxDeadLetters: 10,
};

function endpoint(id: string, url: string) {
  const checked = checkWebhookEndpoint(
    { id, url, rooms: ['ops'], trigger: { all: true }, secret: SECRET },
    { origin: 'config', createdAt: new Date().toISOString(), allowPrivateNetworks: true },
  );
  if (!checked.ok) throw new Error(checked.problem);
  return checked.endpoint;
}

/**
 * A started dispatcher for `endpoints` ({ id: url }) on an in-memory store, and `message(text)`, which
 * tells it a message was published in the room the endpoints watch. Closed after the test.
 */
function startDispatcher(endpoints: Record<string, string>, settings: Partial<DeliverySettings> = {}) {
  const store = track(WebhookStore.open(':memory:'), (s) => s.close());
  const logger = pino({ level: 'silent' });
  const registry = new WebhookRegistry({
    store,
    directory: new LocalWebhookDirectory(store),
    logger,
    configured: Object.entries(endpoints).map(([id, url]) => endpoint(id, url)),
    initial: [],
    maxEndpoints: 10,
    allowPrivateNetworks: true,
  });
  let observer: PublishObserver = {};
  const relay = {
    observe: (o: PublishObserver) => {
      observer = o;
      return () => undefined;
    },
    publish: () => {
      throw new Error('no answer expected');
    },
  };
  const dispatcher = track(
    new WebhookDispatcher({
      relay: relay as never,
      logger,
      store,
      registry,
      settings: { ...SETTINGS, ...settings },
      botRateLimit: false,
    }),
    (d) => d.close(),
  );
  dispatcher.start();
  const from = { id: 'u', name: 'u', kind: 'user' } as const;
  let count = 0;
  const message = (text: string) => {
    count += 1;
    const meta = {
      id: `m${count}`,
      room: 'ops',
      from,
      at: new Date().toISOString(),
    } as unknown as MessageMeta;
    observer.published?.(meta, text, 0);
  };
  return { store, message };
}

describe('webhook dispatcher', () => {
  it('does not poll the queue while every due delivery waits for a busy endpoint', async () => {
    const hanging = await startReceiver({ answer: () => {} });
    const idle = await startReceiver();
    const { store, message } = startDispatcher({ hanging: hanging.url, idle: idle.url });
    let takes = 0;
    const takeDue = store.takeDue.bind(store);
    store.takeDue = (...args) => {
      takes += 1;
      return takeDue(...args);
    };
    for (let i = 0; i < 3; i++) message(`m${i}`);
    await hanging.waitFor(1);
    await idle.waitFor(3);
    await waitUntil('the idle endpoint settled', () =>
      store.depths().every((row) => row.endpointId !== 'idle'),
    );
    await quietWindow(50); // the pump that follows its last settle
    // Two deliveries are due for the hanging endpoint, which holds its one slot: nothing to take until
    // the attempt ends. The queue used to be polled on a 0 ms timer meanwhile, thousands of times.
    const before = takes;
    await quietWindow(300);
    expect(takes - before).toBe(0);
    expect(hanging.received).toHaveLength(1);
  });

  it('holds many attempts in flight at once without a listener-leak warning', async () => {
    const hanging = await startReceiver({ answer: () => {} });
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    track(undefined, () => process.off('warning', onWarning));
    const { message } = startDispatcher(
      { a: hanging.url, b: hanging.url, c: hanging.url },
      { concurrency: 4 },
    );
    for (let i = 0; i < 4; i++) message(`m${i}`);
    await hanging.waitFor(12); // three endpoints, four attempts each
    await new Promise((resolve) => setImmediate(resolve)); // Node emits its warning on the next tick
    expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});

// @vitest-environment happy-dom
// The hook rendered by React DOM into happy-dom's document, against a real relay on an ephemeral port.
import { act, createElement, useEffect, useState } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import socketIOClient, { type Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import {
  createRelayClient,
  type RelayClient,
  type RelayMessagesState,
  useRelayClient,
  useRelayMessages,
} from '../../src/client/react.js';
import { track } from '../support/cleanup.js';
import { rawRequest } from '../support/raw-request.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

// Tells React that updates are wrapped in act(), so it flushes them before act() resolves.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

interface Mounted {
  container: HTMLElement;
  render(element: Parameters<Root['render']>[0]): void;
  unmount(): void;
}

function mount(element: Parameters<Root['render']>[0]): Mounted {
  const container = document.createElement('div');
  document.body.append(container);
  const root = createRoot(container);
  act(() => root.render(element));
  let mounted = true;
  const unmount = () => {
    if (mounted) act(() => root.unmount());
    mounted = false;
  };
  track(container, (c) => {
    unmount();
    c.remove();
  });
  return { container, render: (next) => act(() => root.render(next)), unmount };
}

/** Lets React and the sockets run until `condition` holds, inside act() so updates are flushed. */
async function until(condition: () => boolean, what: string, timeoutMs = 4000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
  }
}

function connected(url: string, name: string): Promise<RelayClient> {
  const client = track(createRelayClient(url, { name }), (c) => c.close());
  return waitForEvent(client.socket, 'connect').then(() => client);
}

/** Counts the hook's subscriptions on `client`, calling through to the real ones. */
function countSubscriptions(client: RelayClient): { made: number; active: number } {
  const counts = { made: 0, active: 0 };
  const onMessage = client.onMessage.bind(client);
  client.onMessage = (listener) => {
    counts.made += 1;
    counts.active += 1;
    const stop = onMessage(listener);
    return () => {
      counts.active -= 1;
      stop();
    };
  };
  return counts;
}

// Renders the messages as the example app does and exposes the hook's latest state to the test.
function Messages(props: {
  client: RelayClient | null;
  limit?: number;
  onState: (s: RelayMessagesState) => void;
}) {
  const state = useRelayMessages(props.client, props.limit === undefined ? {} : { limit: props.limit });
  props.onState(state);
  return createElement(
    'ul',
    null,
    state.messages.map(({ content, meta }) =>
      createElement('li', { key: meta.id }, `${meta.from.name}: ${String(content)}`),
    ),
  );
}

// The seed's screen (section 2.10), verbatim but for the types and the socket passed in.
function SeedScreen({ socket }: { socket: Socket }) {
  const [message, setMessage] = useState<unknown>('');
  // biome-ignore lint/correctness/useExhaustiveDependencies: the seed's own dependency list, the bug under test.
  useEffect(() => {
    socket.on('sendMessageFromBack', (newMessage: unknown) => {
      setMessage(newMessage);
    });
  }, [message]);
  return createElement('p', null, String(message));
}

function Chat(props: { url: string; onState: (client: RelayClient | null, s: RelayMessagesState) => void }) {
  const client = useRelayClient(props.url, { name: 'Jane', room: 'general' });
  props.onState(client, useRelayMessages(client));
  return null;
}

describe('useRelayMessages', () => {
  it('shows received messages with their sender and the connection status', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const john = await connected(url, 'John');
    const jane = await connected(url, 'Jane');
    let latest: RelayMessagesState | undefined;
    const { container } = mount(createElement(Messages, { client: jane, onState: (s) => (latest = s) }));
    expect(latest?.status).toBe('connected');

    await act(async () => {
      await john.send('Hello Jane !');
      await jane.send('Hello John !');
    });
    await until(() => latest?.messages.length === 2, 'two messages');
    expect(Array.from(container.querySelectorAll('li')).map((li) => li.textContent)).toEqual([
      'John: Hello Jane !',
      'Jane: Hello John !',
    ]);
  });

  it('subscribes once however many messages arrive (no listener leak)', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const sender = await connected(url, 'John');
    const reader = await connected(url, 'Jane');
    const counts = countSubscriptions(reader);
    let renders = 0;
    let latest: RelayMessagesState | undefined;
    mount(
      createElement(Messages, {
        client: reader,
        onState: (s) => {
          renders += 1;
          latest = s;
        },
      }),
    );
    // One message at a time, each rendered before the next: ten re-renders the subscription survives.
    for (let i = 1; i <= 10; i += 1) {
      await act(async () => {
        await sender.send(`message ${i}`);
      });
      await until(() => latest?.messages.length === i, `message ${i}`);
    }
    expect(renders).toBeGreaterThanOrEqual(11);
    expect(counts).toEqual({ made: 1, active: 1 });
    expect(reader.socket.listeners('sendMessageFromBack')).toHaveLength(1);
  });

  it("does what the seed's useEffect(..., [message]) did not: that one leaks a listener per message", async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const sender = await connected(url, 'John');
    const socket = track(socketIOClient(url, { forceNew: true }), (s) => s.disconnect());
    await waitForEvent(socket, 'connect');
    const { container } = mount(createElement(SeedScreen, { socket }));
    for (const text of ['one', 'two', 'three']) {
      await act(async () => {
        await sender.send(text);
      });
      await until(() => container.textContent === text, text);
    }
    expect(socket.listeners('sendMessageFromBack').length).toBe(4);
  });

  it('unsubscribes on unmount and ignores later messages', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const sender = await connected(url, 'John');
    const reader = await connected(url, 'Jane');
    const counts = countSubscriptions(reader);
    const statusSubscribers = { active: 0 };
    const onStatus = reader.onStatus.bind(reader);
    reader.onStatus = (listener) => {
      statusSubscribers.active += 1;
      const stop = onStatus(listener);
      return () => {
        statusSubscribers.active -= 1;
        stop();
      };
    };
    let renders = 0;
    const root = mount(createElement(Messages, { client: reader, onState: () => (renders += 1) }));
    expect(counts.active).toBe(1);
    expect(statusSubscribers.active).toBe(1);

    root.unmount();
    expect(counts).toEqual({ made: 1, active: 0 });
    expect(statusSubscribers.active).toBe(0);
    const rendersAtUnmount = renders;
    const delivered = waitForEvent(reader.socket, 'sendMessageFromBack');
    await sender.send('after unmount');
    await delivered;
    await act(() => new Promise((resolve) => setTimeout(resolve, 50)));
    expect(renders).toBe(rendersAtUnmount);
  });

  it('keeps only the last `limit` messages, oldest first', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const sender = await connected(url, 'John');
    const reader = await connected(url, 'Jane');
    let latest: RelayMessagesState | undefined;
    const onState = (s: RelayMessagesState) => {
      latest = s;
    };
    const root = mount(createElement(Messages, { client: reader, limit: 3, onState }));
    for (const text of ['a', 'b', 'c', 'd', 'e']) {
      await act(async () => {
        await sender.send(text);
      });
    }
    await until(() => latest?.messages.at(-1)?.content === 'e', 'the last message');
    expect(latest?.messages.map((m) => m.content)).toEqual(['c', 'd', 'e']);

    root.render(createElement(Messages, { client: reader, limit: 2, onState }));
    expect(latest?.messages.map((m) => m.content)).toEqual(['d', 'e']);
  });

  // The hook kept a redacted message on screen: nothing in the kit listened for messageRedacted.
  it('removes a message the relay redacted', async () => {
    const { url } = await startRelay({ greeting: 'none', api: { tokens: ['ops:ops-s3cr3t:admin'] } });
    const sender = await connected(url, 'John');
    const reader = await connected(url, 'Jane');
    let latest: RelayMessagesState | undefined;
    const onState = (s: RelayMessagesState) => {
      latest = s;
    };
    const root = mount(createElement(Messages, { client: reader, onState }));
    const answers: string[] = [];
    for (const text of ['fine', 'a leaked secret', 'also fine']) {
      await act(async () => {
        const answer = await sender.send(text);
        if (answer.ok) answers.push(answer.id);
      });
    }
    await until(() => latest?.messages.length === 3, 'three messages');
    const heard: string[] = [];
    const stop = reader.onRedacted(({ id }) => heard.push(id));
    await act(async () => {
      const deleted = await rawRequest(url, {
        path: `/v1/messages/${answers[1]}`,
        method: 'DELETE',
        headers: { authorization: 'Bearer ops-s3cr3t' },
      });
      expect(deleted.status).toBe(204);
      await until(() => heard.length === 1, 'the redaction event');
    });
    await until(() => latest?.messages.length === 2, 'the redaction');
    expect(latest?.messages.map((m) => m.content)).toEqual(['fine', 'also fine']);
    expect(heard).toEqual([answers[1]]);
    stop();
    root.unmount();
  });

  it('starts afresh and unsubscribes from the old client when the client changes', async () => {
    const { url } = await startRelay({ greeting: 'none' });
    const sender = await connected(url, 'John');
    const first = await connected(url, 'Jane');
    const second = await connected(url, 'Jim');
    const firstCounts = countSubscriptions(first);
    let latest: RelayMessagesState | undefined;
    const onState = (s: RelayMessagesState) => {
      latest = s;
    };
    const root = mount(createElement(Messages, { client: first, onState }));
    // The second client hears it too, before the switch: only what comes after may show.
    const secondHeardIt = waitForEvent(second.socket, 'sendMessageFromBack');
    await act(async () => {
      await sender.send('for the first');
    });
    await until(() => latest?.messages.length === 1, 'the first message');
    await secondHeardIt;

    root.render(createElement(Messages, { client: second, onState }));
    expect(firstCounts.active).toBe(0);
    expect(latest?.messages).toEqual([]);
    await act(async () => {
      await sender.send('for the second');
    });
    await until(() => latest?.messages.length === 1, 'the second message');
    expect(latest?.messages[0]?.content).toBe('for the second');
  });
});

describe('useRelayClient', () => {
  it('connects on mount, follows the connection status, and closes on unmount', async () => {
    const { url, server } = await startRelay({ greeting: 'none' });
    let client: RelayClient | null = null;
    let latest: RelayMessagesState | undefined;
    const root = mount(
      createElement(Chat, {
        url,
        onState: (c, s) => {
          client = c;
          latest = s;
        },
      }),
    );
    await until(() => latest?.status === 'connected', 'connected');
    expect(server.io.of('/').sockets.size).toBe(1);
    const socket = (client as RelayClient | null)?.socket;

    root.unmount();
    expect(socket?.connected).toBe(false);
    await until(() => server.io.of('/').sockets.size === 0, 'the relay to see the socket go');
  });
});

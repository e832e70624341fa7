import { useEffect, useState } from 'react';
import type { ConnectionStatus, RelayClient, RelayMessage } from './relay-client.js';

/** Options of {@link useRelayMessages}. */
export interface UseRelayMessagesOptions {
  /** How many messages to keep, newest last; older ones are dropped. Default 100. */
  limit?: number;
}

/** What {@link useRelayMessages} returns. */
export interface RelayMessagesState {
  /** The last `limit` messages received since the client was given, oldest first, redacted ones removed. */
  readonly messages: readonly RelayMessage[];
  readonly status: ConnectionStatus;
}

const NO_MESSAGES: readonly RelayMessage[] = [];

/**
 * Keeps the messages a relay client receives in React state. It subscribes once per client (the seed's
 * `useEffect(..., [message])` added a socket listener on every message and never removed one),
 * unsubscribes on unmount or when the client changes, and keeps at most `limit` messages. It uses no
 * DOM API, so it works in React Native as in the browser. The hook does not close the client: whoever
 * created it does (see `useRelayClient`).
 *
 * @example
 * ```tsx
 * const client = useRelayClient('http://localhost:3000', { name: 'John' });
 * const { messages, status } = useRelayMessages(client, { limit: 50 });
 * return messages.map(({ content, meta }) => <Text key={meta.id}>{meta.from.name}: {String(content)}</Text>);
 * ```
 */
export function useRelayMessages(
  client: RelayClient | null | undefined,
  options: UseRelayMessagesOptions = {},
): RelayMessagesState {
  const limit = Math.max(1, Math.floor(options.limit ?? 100));
  const [state, setState] = useState<{ client: typeof client; messages: readonly RelayMessage[] }>({
    client,
    messages: NO_MESSAGES,
  });
  const [status, setStatus] = useState<ConnectionStatus>(client?.status ?? 'disconnected');

  useEffect(() => {
    if (!client) {
      setStatus('disconnected');
      return;
    }
    setStatus(client.status);
    const stopStatus = client.onStatus(setStatus);
    const stopMessages = client.onMessage((message) =>
      setState((previous) => {
        // Messages of a previous client never mix with this one's.
        const kept = previous.client === client ? previous.messages : NO_MESSAGES;
        // Connection state recovery may replay a message already shown.
        if (kept.some((known) => known.meta.id === message.meta.id)) return previous;
        const next = kept.length >= limit ? kept.slice(kept.length - limit + 1) : kept.slice();
        next.push(message);
        return { client, messages: next };
      }),
    );
    // A redacted message leaves the list (a leaked secret is taken down on every screen).
    const stopRedacted = client.onRedacted(({ id }) =>
      setState((previous) =>
        previous.client === client && previous.messages.some((known) => known.meta.id === id)
          ? { client, messages: previous.messages.filter((known) => known.meta.id !== id) }
          : previous,
      ),
    );
    return () => {
      stopStatus();
      stopMessages();
      stopRedacted();
    };
  }, [client, limit]);

  const messages = state.client === client ? state.messages : NO_MESSAGES;
  return { messages: messages.length > limit ? messages.slice(-limit) : messages, status };
}

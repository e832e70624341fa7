import { useEffect, useState } from 'react';
import { createRelayClient, type RelayClientOptions } from './create-relay-client.js';
import type { RelayClient } from './relay-client.js';

/**
 * Creates a relay client when the component mounts and closes it when it unmounts, or when `url`,
 * `name` or `room` change (then a new client replaces it). Returns `null` until the client exists,
 * and while `url` is `null` (e.g. before the user picked a name). Other options are read on creation.
 *
 * @example
 * ```tsx
 * function Chat({ name }: { name: string }) {
 *   const client = useRelayClient('http://localhost:3000', { name, room: 'general' });
 *   const { messages } = useRelayMessages(client);
 *   // …
 * }
 * ```
 */
export function useRelayClient(url: string | null, options: RelayClientOptions = {}): RelayClient | null {
  const [client, setClient] = useState<RelayClient | null>(null);
  const { name, room } = options;
  // biome-ignore lint/correctness/useExhaustiveDependencies: only url, name and room start a new connection.
  useEffect(() => {
    if (url === null) return;
    const created = createRelayClient(url, options);
    setClient(created);
    return () => {
      created.close();
      setClient(null);
    };
  }, [url, name, room]);
  return client;
}

import { once } from 'node:events';
import { track } from './cleanup.js';
import { clientFrame, openEngineWebSocket } from './engine-websocket.js';

/** A WebSocket that speaks engine.io by hand, joined to the default namespace. */
export interface RawWebSocket {
  /** Every engine.io packet the server sent, as text (`42[...]` events, `41` disconnect, ...). */
  readonly packets: string[];
  /** Resolves when the TCP connection is closed. */
  readonly closed: Promise<void>;
  /** Sends engine.io packets, one frame each, in a single write: what a flooding client does. */
  write(packets: readonly string[]): void;
}

/**
 * Opens a raw WebSocket to a relay's engine.io endpoint and joins the default namespace (unless
 * `join: false`), without
 * socket.io-client: a test can then write thousands of frames in one go. Closed after the test.
 */
export async function openRawWebSocket(url: string, options: { join?: boolean } = {}): Promise<RawWebSocket> {
  const packets: string[] = [];
  const socket = track(await openEngineWebSocket(url, (text) => packets.push(text), options), (s) =>
    s.destroy(),
  );
  const closed = socket.closed ? Promise.resolve() : once(socket, 'close').then(() => undefined);
  return {
    packets,
    closed,
    write(list) {
      socket.write(Buffer.concat(list.map(clientFrame)));
    },
  };
}

/** An engine.io long-polling session driven by hand, joined to the default namespace. */
export interface RawPolling {
  /** POSTs packets in one request body (separated by engine.io's record separator); the status. */
  post(packets: readonly string[]): Promise<number>;
  /** One GET: the packets it carried, or `closed` when the server no longer knows the session. */
  poll(timeoutMs?: number): Promise<string[] | 'closed'>;
}

/** Opens an engine.io polling session on a relay and joins the default namespace. */
export async function openRawPolling(url: string): Promise<RawPolling> {
  const open = await (await fetch(`${url}/socket.io/?EIO=4&transport=polling`)).text();
  const { sid } = JSON.parse(open.slice(1)) as { sid: string };
  const path = `${url}/socket.io/?EIO=4&transport=polling&sid=${sid}`;
  const session: RawPolling = {
    async post(packets) {
      const response = await fetch(path, {
        method: 'POST',
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
        body: packets.join('\x1e'),
      });
      await response.text();
      return response.status;
    },
    async poll(timeoutMs = 5000) {
      const response = await fetch(path, { signal: AbortSignal.timeout(timeoutMs) });
      const text = await response.text();
      if (response.status !== 200) return 'closed';
      return text.split('\x1e');
    },
  };
  await session.post(['40']);
  const joined = await session.poll();
  if (joined === 'closed' || !joined.some((packet) => packet.startsWith('40{'))) {
    throw new Error(`the polling session did not join the namespace: ${JSON.stringify(joined)}`);
  }
  return session;
}

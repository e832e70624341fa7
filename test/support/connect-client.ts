import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../../src/index.js';
import { track } from './cleanup.js';
import { waitForEvent } from './wait-for-event.js';

/** A socket.io-client typed with the relay's event maps. */
export type TestClient = Socket<ServerToClientEvents, ClientToServerEvents>;

/**
 * Connects a real socket.io client (default transports: polling, then upgrade, as the seed does) and
 * waits until it is connected. Disconnected after the test.
 */
export async function connectClient(
  url: string,
  options: Partial<ManagerOptions & SocketOptions> = {},
): Promise<TestClient> {
  const socket = openClient(url, options);
  await waitForEvent(socket, 'connect');
  return socket;
}

/** Creates a client without waiting for it: with `autoConnect: false`, listen first, then `connect()`. */
export function openClient(url: string, options: Partial<ManagerOptions & SocketOptions> = {}): TestClient {
  return track(io(url, { forceNew: true, reconnection: false, ...options }), (s) => s.disconnect());
}

// Claiming a session socket.io keeps for connection state recovery: what a client that knows its pid
// and offset gets, packet by packet (socket.io-client's Manager shows each packet it decodes).
import type { Packet } from 'socket.io-parser';
import { openClient, type TestClient } from './connect-client.js';
import { waitForEvent } from './wait-for-event.js';

const CONNECT = 0;
const EVENT = 2;

/** A session to recover: its pid, and the offset of the last event the client got. */
export interface FollowedSession {
  pid: string;
  offset: string;
}

/** Connects a websocket client and follows the session socket.io gives it (its CONNECT, its events). */
export async function connectFollowed(url: string, auth: Record<string, unknown>) {
  const socket = openClient(url, { transports: ['websocket'], auth });
  const session: FollowedSession = { pid: '', offset: '' };
  socket.io.on('packet', (packet: Packet) => {
    if (packet.type === CONNECT) session.pid = (packet.data as { pid?: string }).pid ?? '';
    if (packet.type === EVENT) session.offset = String((packet.data as unknown[]).at(-1));
  });
  await waitForEvent(socket, 'connect');
  return { socket, session };
}

/** Sends `text` and waits to hear it back, so that the session has an offset to recover from. */
export async function say(socket: TestClient, text: string, timeoutMs?: number): Promise<void> {
  const heard = waitForEvent(socket, 'sendMessageFromBack', {
    filter: (content) => content === text,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
  });
  socket.emit('sendMessage', text);
  await heard;
}

/**
 * Opens a new client that claims `session` with `auth`, and resolves with how its handshake ended
 * (`recovered`, `connected` to a new session, or the refusal's code) and every event packet it got.
 */
export async function claimSession(url: string, session: FollowedSession, auth: Record<string, unknown>) {
  const socket = openClient(url, { transports: ['websocket'], auth: { ...auth, ...session } });
  const events: unknown[][] = [];
  let pid = '';
  socket.io.on('packet', (packet: Packet) => {
    if (packet.type === CONNECT) pid = (packet.data as { pid?: string }).pid ?? '';
    if (packet.type === EVENT) events.push(packet.data as unknown[]);
  });
  const ended = await new Promise<string>((resolve) => {
    socket.once('connect', () => resolve('connected'));
    socket.once('connect_error', (error: Error & { data?: { code?: string } }) =>
      resolve(error.data?.code ?? error.message),
    );
  });
  // A new client does not know the session it claims (its `recovered` stays false), but the relay kept
  // the pid. The socket hears the CONNECT before the listener above does, in the same turn.
  const outcome = ended === 'connected' && pid === session.pid ? 'recovered' : ended;
  return { socket, outcome, events };
}

/** The contents of the `sendMessageFromBack` packets among `events`. */
export const contents = (events: unknown[][]): unknown[] =>
  events.filter(([event]) => event === 'sendMessageFromBack').map(([, content]) => content);

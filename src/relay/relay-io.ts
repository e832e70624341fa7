import type { Server } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents, SocketData } from './events.js';

/** The socket.io server with RelayKit's event maps. */
export type RelayIo = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;

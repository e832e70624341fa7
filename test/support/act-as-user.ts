// Two tabs of one person: in `anonymous` auth mode every connection is its own user
// (`anon:<socket id>`), so a test that needs two sockets of ONE user sets their `userId` itself, the
// way jwt mode sets it from the token's `sub`: a socket.io middleware run after the relay's own, which
// reads `auth.testUserId`. Only tests install it; the relay never reads that field.
import type { RelayServer } from '../../src/server/relay-server.js';

/** Makes `auth.testUserId` the `userId` of the sockets that give one. */
export function actAsUsers(server: RelayServer): void {
  server.io.use((socket, next) => {
    const wanted = (socket.handshake.auth as Record<string, unknown> | undefined)?.testUserId;
    if (typeof wanted === 'string') socket.data.userId = wanted;
    next();
  });
}

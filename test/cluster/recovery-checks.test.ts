// In a cluster a session can be claimed on another node, and the cluster persists sessions while their
// socket is still connected: what it missed must still wait for the handshake checks.
import { describe, expect, it } from 'vitest';
import { signToken, startJwtRelay } from '../auth/jwt-relay.js';
import { claimSession, connectFollowed, contents, say } from '../support/claim-session.js';
import { connectClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { startRedis } from '../support/start-redis.js';

const HAS_REDIS = requireBinary('redis-server', { install: 'apt-get install -y redis-server' }) !== undefined;
const SERVICE = { id: 'svc', name: 'svc', kind: 'http' } as const;

describe.runIf(HAS_REDIS)('recovering a session on another node', () => {
  it('sends a refused claimant nothing, and the user what the session missed', async () => {
    const redis = await startRedis();
    const a = await startJwtRelay({ redisUrl: redis.url, history: false });
    const b = await startJwtRelay({ redisUrl: redis.url, history: false });
    const { socket: ann, session } = await connectFollowed(a.url, {
      token: await signToken({ sub: 'u-ann' }),
    });
    await say(ann, 'ann was here', 5000);
    const before = { ...session };
    const bob = await connectClient(b.url, { auth: { token: await signToken({ sub: 'u-bob' }) } });
    await say(bob, 'from bob', 5000);
    await b.server.relay.publish('private to ann', { from: SERVICE, room: 'lobby', to: 'u-ann' }).committed;

    // Ann is still connected on node A (she heard both): her session is already in Redis.
    const thief = await claimSession(b.url, before, {});
    expect(thief.outcome).toBe('RELAY_ERR_UNAUTHENTICATED');
    expect(thief.events).toEqual([]);
    thief.socket.disconnect();

    ann.io.engine.close();
    await expect.poll(() => a.server.io.of('/').sockets.size).toBe(0);
    await b.server.relay.publish('while away', { from: SERVICE, room: 'lobby' }).committed;
    await b.server.relay.publish('private while away', { from: SERVICE, room: 'lobby', to: 'u-ann' })
      .committed;
    const back = await claimSession(b.url, session, { token: await signToken({ sub: 'u-ann' }) });
    expect(back.outcome).toBe('recovered');
    await expect.poll(() => contents(back.events)).toEqual(['while away', 'private while away']);
  });
});

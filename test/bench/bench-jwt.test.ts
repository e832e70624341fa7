import { describe, expect, it } from 'vitest';
import { parseBenchOptions } from '../../bench/bench-options.js';
import { BENCH_JWT_SECRET, benchTokens } from '../../bench/load/bench-tokens.js';
import { planCases } from '../../bench/plan-cases.js';
import type { MessageMeta } from '../../src/index.js';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

// The jwt fan-out case must measure what it says: a relay in jwt mode that accepts the bench's tokens.
describe('bench: fan-out in jwt auth mode', () => {
  it('plans a jwt case per size with --fanout-auth, and refuses an unknown mode', () => {
    const cases = planCases(
      parseBenchOptions([
        '--only',
        'fan-out',
        '--fanout-clients',
        '100,1000',
        '--fanout-auth',
        'anonymous,jwt',
      ]),
    );
    expect(cases.map((c) => c.id)).toEqual([
      'fan-out-100',
      'fan-out-1000',
      'fan-out-100-jwt',
      'fan-out-1000-jwt',
    ]);
    expect(cases[2]?.setup('relaykit').options).toMatchObject({
      relay: { auth: { mode: 'jwt', jwtSecret: BENCH_JWT_SECRET } },
    });
    expect(cases[2]?.setup('bare').options).toEqual({});
    expect(planCases(parseBenchOptions(['--only', 'fan-out'])).map((c) => c.id)).not.toContain(
      'fan-out-100-jwt',
    );
    expect(() => parseBenchOptions(['--fanout-auth', 'anonymous,oauth'])).toThrow(/oauth/);
  });

  it("signs tokens a relay in jwt mode accepts, and the sender's verified id reaches receivers", async () => {
    const { url } = await startRelay({ auth: { mode: 'jwt', jwtSecret: BENCH_JWT_SECRET } });
    const [receiverToken] = await benchTokens(1, 'r1');
    const [senderToken] = await benchTokens(1, 'sender');
    const receiver = await connectClient(url, { auth: { token: receiverToken } });
    const sender = await connectClient(url, { auth: { name: 'bench-sender', token: senderToken } });
    const heard = waitForEvent<[unknown, MessageMeta]>(receiver, 'sendMessageFromBack', {
      filter: (content) => content === 'hello',
    });
    sender.emit('sendMessage', 'hello');
    const [, meta] = await heard;
    expect(meta.from).toMatchObject({ userId: 'sender-0', name: 'sender 0', roles: ['member'] });
  });
});

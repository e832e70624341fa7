import { SignJWT } from 'jose';

/** The bench's own HS256 secret: tokens are signed before the measured window, as a backend would. */
export const BENCH_JWT_SECRET = 'bench-secret-of-at-least-32-characters!!';

/**
 * `count` HS256 tokens for RelayKit's jwt auth mode, one per client (`sub` `<prefix>-<i>`), shaped like a
 * team's: a name, a role, and room grants with a pattern, so that a person's `sendMessage` pays the
 * room-grant check it pays in production. Valid for an hour.
 */
export function benchTokens(count: number, prefix = 'u'): Promise<string[]> {
  const key = new TextEncoder().encode(BENCH_JWT_SECRET);
  const exp = Math.floor(Date.now() / 1000) + 3600;
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      new SignJWT({ name: `${prefix} ${i}`, roles: ['member'], rooms: ['lobby', 'team-*'] })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(`${prefix}-${i}`)
        .setExpirationTime(exp)
        .sign(key),
    ),
  );
}

import { SignJWT } from 'jose';

/** What a development token says about its holder. */
export interface DevTokenClaims {
  /** The user id (`sub`). */
  readonly sub: string;
  readonly name?: string;
  /** Room grants: names or prefixes ending in `*`; absent: every room. */
  readonly rooms?: readonly string[];
  readonly roles?: readonly string[];
  /** Lifetime in seconds. Default 3600. */
  readonly ttlSec?: number;
  readonly issuer?: string;
  readonly audience?: string;
}

/**
 * Signs an HS256 token with `secret` for `jwt` auth mode, as a backend would: `relay token` and the bot
 * testbed use it. Production tokens come from your own backend (docs/identity.md).
 *
 * @example
 * ```ts
 * const token = await signDevToken(secret, { sub: 'u-42', name: 'Ann', roles: ['admin'], ttlSec: 600 });
 * ```
 */
export async function signDevToken(secret: string, claims: DevTokenClaims): Promise<string> {
  const { sub, name, rooms, roles, ttlSec = 3600, issuer, audience } = claims;
  let jwt = new SignJWT({
    ...(name === undefined ? {} : { name }),
    ...(rooms === undefined ? {} : { rooms: [...rooms] }),
    ...(roles === undefined ? {} : { roles: [...roles] }),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSec);
  if (issuer !== undefined) jwt = jwt.setIssuer(issuer);
  if (audience !== undefined) jwt = jwt.setAudience(audience);
  return jwt.sign(new TextEncoder().encode(secret));
}

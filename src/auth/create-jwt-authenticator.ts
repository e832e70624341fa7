import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader, type JWTVerifyGetKey, type JWTVerifyOptions, jwtVerify } from 'jose';
import type { RelayConfig } from '../config/relay-config-schema.js';
import type { Authenticator } from '../relay/authenticator.js';
import { ConfigError } from '../relay/config-error.js';
import { RelayError } from '../relay/relay-error.js';
import { JwksUnavailableError, RemoteJwks } from './remote-jwks.js';
import { identityFromClaims } from './token-claims.js';

/** What jwt mode needs of the settings: the `auth` slice. */
export type AuthSettings = RelayConfig['auth'];

/**
 * A refused token: which check failed (a short key for logs), the error the client gets, and what only
 * the log gets (a fetch failure may name internal hosts).
 */
export interface TokenRefusal {
  readonly check: string;
  readonly error: RelayError;
  readonly logDetail?: string;
}

/**
 * Makes the authenticator of `jwt` auth mode: the handshake's `auth.token` is verified with jose against
 * the one key the settings give (`jwtSecret`: HS256; `jwtPublicKey`: RS256 or ES256, from the key's
 * type; `jwksUrl`: the keys the issuer publishes, fetched on first use, cached, and fetched again when a
 * token names a key id the cache does not have, at most every 5 s), with `issuer` and `audience` when
 * set; then its claims become the person's identity (see identityFromClaims). Only the algorithms of
 * that key are accepted: never `none`, never an HMAC made with a public key. A refusal is reported to
 * `onRefused` (for one log line per episode) and thrown as `RELAY_ERR_UNAUTHENTICATED`, or
 * `RELAY_ERR_AUTH_UNAVAILABLE` when the JWKS cannot be fetched. Error messages never carry the token or
 * the key. Throws a {@link ConfigError} when the public key cannot be read.
 *
 * @example
 * ```ts
 * server.authenticateWith(createJwtAuthenticator(config.auth, (refusal, address) => log.warn(…)));
 * ```
 */
export function createJwtAuthenticator(
  settings: AuthSettings,
  onRefused: (refusal: TokenRefusal, address: string) => void = () => {},
): Authenticator {
  const { key, algorithms } = verificationKey(settings);
  const options: JWTVerifyOptions = {
    algorithms,
    clockTolerance: settings.clockToleranceSec,
    requiredClaims: ['sub', 'exp'],
    ...(settings.issuer === undefined ? {} : { issuer: settings.issuer }),
    ...(settings.audience === undefined ? {} : { audience: settings.audience }),
  };
  return async ({ auth, address }) => {
    const token = auth.token;
    try {
      if (token === undefined || token === null || token === '') {
        throw refusal('missing', 'no token: jwt auth mode needs one in auth.token');
      }
      if (typeof token !== 'string') throw refusal('malformed', 'auth.token must be a string (a JWT)');
      if (token.length > settings.maxTokenBytes) {
        throw refusal(
          'oversized',
          `the token is ${token.length} bytes, over auth.maxTokenBytes (${settings.maxTokenBytes})`,
        );
      }
      let payload: Awaited<ReturnType<typeof jwtVerify>>['payload'];
      try {
        // The overloads of jwtVerify differ by key kind; both are this call.
        ({ payload } = await verify(token, key, options));
      } catch (error) {
        throw explain(error, token, settings, algorithms);
      }
      try {
        return identityFromClaims(payload, settings.clockToleranceSec);
      } catch (error) {
        throw {
          check: 'claims',
          error: RelayError.from(error, 'reading the claims failed'),
        } satisfies TokenRefusal;
      }
    } catch (thrown) {
      const refused = isRefusal(thrown)
        ? thrown
        : { check: 'internal', error: RelayError.from(thrown, 'checking the token failed') };
      onRefused(refused, address);
      throw refused.error;
    }
  };
}

function verificationKey(settings: AuthSettings): {
  key: Uint8Array | KeyObject | JWTVerifyGetKey;
  algorithms: string[];
} {
  if (settings.jwtSecret !== undefined) {
    return { key: new TextEncoder().encode(settings.jwtSecret), algorithms: ['HS256'] };
  }
  if (settings.jwtPublicKey !== undefined) {
    let key: KeyObject;
    try {
      // An environment variable often carries the PEM's line breaks as "\n".
      key = createPublicKey(settings.jwtPublicKey.replaceAll('\\n', '\n'));
    } catch (error) {
      throw new ConfigError(
        'auth.jwtPublicKey',
        'settings',
        `cannot be read as a PEM public key (${(error as Error).message})`,
      );
    }
    if (key.asymmetricKeyType === 'rsa') return { key, algorithms: ['RS256'] };
    if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') {
      return { key, algorithms: ['ES256'] };
    }
    throw new ConfigError(
      'auth.jwtPublicKey',
      'settings',
      'must be an RSA (RS256) or P-256 (ES256) public key',
    );
  }
  if (settings.jwksUrl !== undefined) {
    return { key: new RemoteJwks(new URL(settings.jwksUrl)).getKey, algorithms: ['RS256', 'ES256'] };
  }
  throw new ConfigError(
    'auth.mode',
    'settings',
    'jwt mode needs auth.jwtSecret, auth.jwtPublicKey or auth.jwksUrl',
  );
}

// A token without `kid` while the issuer's JWKS holds several keys of its algorithm (during a rotation):
// jose names the candidates; the token is valid if one of them verifies it.
async function verify(
  token: string,
  key: Uint8Array | KeyObject | JWTVerifyGetKey,
  options: JWTVerifyOptions,
) {
  try {
    // The overloads of jwtVerify differ by key kind; both are this call.
    return await jwtVerify(token, key as JWTVerifyGetKey, options);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_JWKS_MULTIPLE_MATCHING_KEYS') throw error;
    let last: unknown = error;
    for await (const candidate of error as AsyncIterable<KeyObject>) {
      try {
        return await jwtVerify(token, candidate, options);
      } catch (failed) {
        last = failed;
        if ((failed as { code?: string }).code !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') break;
      }
    }
    throw last;
  }
}

// jose's error, as the check that failed, in words that never repeat the token or the key.
function explain(error: unknown, token: string, settings: AuthSettings, algorithms: string[]): TokenRefusal {
  const { code, claim, reason, payload } = error as {
    code?: string;
    claim?: string;
    reason?: string;
    payload?: { exp?: unknown; nbf?: unknown };
  };
  const at = (seconds: unknown) =>
    typeof seconds === 'number' && Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : '?';
  switch (code) {
    case 'ERR_JWT_EXPIRED':
      return refusal('expired', `the token expired at ${at(payload?.exp)}: get a fresh one`);
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      if (reason === 'missing') return refusal('claims', `claim "${claim}" is missing`);
      if (claim === 'nbf' && reason === 'check_failed')
        return refusal('not-yet-valid', `the token is not valid before ${at(payload?.nbf)}`);
      if (claim === 'iss') {
        return refusal('issuer', `claim "iss" is not the expected issuer "${settings.issuer}"`);
      }
      if (claim === 'aud') {
        return refusal(
          'audience',
          `claim "aud" does not include the expected audience "${settings.audience}"`,
        );
      }
      return refusal('claims', `claim "${claim}" is not valid (${reason})`);
    case 'ERR_JOSE_NOT_SUPPORTED':
      // Among others, a `crit` header naming an extension jose does not implement.
      return refusal(
        'unsupported',
        `the token uses a JWS feature this relay does not support (${(error as Error).message})`,
      );
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return refusal(
        'algorithm',
        `algorithm ${JSON.stringify(headerAlg(token))} is not accepted: this relay's key takes ${algorithms.join(' or ')}`,
      );
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return refusal(
        'signature',
        'the signature does not verify with the configured key (another key, or an altered token)',
      );
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return refusal('key', "no key of the issuer's JWKS matches the token's kid and alg");
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
      return refusal(
        'malformed',
        'the token is not a well-formed JWT (header.payload.signature, JSON in base64url)',
      );
    default: {
      const detail = (error as Error)?.message ?? String(error);
      if (error instanceof JwksUnavailableError) {
        return {
          check: 'jwks',
          error: new RelayError(
            'RELAY_ERR_AUTH_UNAVAILABLE',
            'the keys of auth.jwksUrl could not be fetched',
          ),
          logDetail: detail,
        };
      }
      return refusal('malformed', `the token could not be checked (${detail})`);
    }
  }
}

function headerAlg(token: string): unknown {
  try {
    return decodeProtectedHeader(token).alg;
  } catch {
    return undefined;
  }
}

function isRefusal(value: unknown): value is TokenRefusal {
  return typeof value === 'object' && value !== null && (value as TokenRefusal).error instanceof RelayError;
}

function refusal(check: string, detail: string): TokenRefusal {
  return { check, error: new RelayError('RELAY_ERR_UNAUTHENTICATED', detail) };
}

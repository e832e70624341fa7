import { z } from 'zod';
import { hasUserinfo } from '../relay/hide-userinfo.js';

// How people prove who they are (see docs/identity.md). Part of relayConfigSchema
// (relay-config-schema.ts).

const AUTH_DEFAULTS = { mode: 'anonymous' as const, maxTokenBytes: 8192, clockToleranceSec: 5 };

/**
 * The `auth` setting: `anonymous` (a person is whoever they say) or `jwt` (a person sends a token in
 * `auth.token`, checked with exactly one of `jwtSecret`, `jwtPublicKey` or `jwksUrl`).
 */
export const authSettingSchema = z
  .object({
    mode: z
      .enum(['anonymous', 'jwt'])
      .default(AUTH_DEFAULTS.mode)
      .describe(
        'anonymous: people are whoever they say; jwt: people connect with a signed token in auth.token',
      ),
    jwtSecret: z
      .string()
      .min(32, 'at least 32 characters (HS256 needs a 256-bit secret)')
      .optional()
      .describe('jwt mode: the shared HS256 secret tokens are signed with (at least 32 characters)'),
    jwtPublicKey: z
      .string()
      .regex(/-----BEGIN PUBLIC KEY-----/, 'a PEM public key (-----BEGIN PUBLIC KEY-----)')
      .optional()
      .describe('jwt mode: the PEM public key (RSA: RS256, P-256: ES256) tokens are signed for'),
    jwksUrl: z
      .url({ protocol: /^https?$/, error: 'an http(s) URL' })
      // fetch refuses a URL with credentials, and they would be in every log line about the keys.
      .refine((url) => !hasUserinfo(url), {
        error: 'a URL without a user or password (a JWKS is public; fetch refuses credentials in a URL)',
      })
      .optional()
      .describe('jwt mode: URL of the issuer JWKS (RS256/ES256 keys, cached and refreshed on rotation)'),
    issuer: z.string().min(1).optional().describe('jwt mode: the iss claim tokens must have (unset: any)'),
    audience: z.string().min(1).optional().describe('jwt mode: the aud claim tokens must have (unset: any)'),
    maxTokenBytes: z
      .int()
      .min(256)
      .max(65_536)
      .default(AUTH_DEFAULTS.maxTokenBytes)
      .describe(
        'jwt mode: longest token accepted, in bytes (a JWT is ASCII); a longer one is refused unread',
      ),
    clockToleranceSec: z
      .int()
      .min(0)
      .max(300)
      .default(AUTH_DEFAULTS.clockToleranceSec)
      .describe('jwt mode: clock skew allowed when checking exp and nbf (seconds)'),
  })
  .strict()
  .superRefine((auth, context) => {
    if (auth.mode !== 'jwt') return;
    const keys = [auth.jwtSecret, auth.jwtPublicKey, auth.jwksUrl].filter((key) => key !== undefined);
    if (keys.length !== 1) {
      context.addIssue({
        code: 'custom',
        path: ['mode'],
        message: `jwt mode needs exactly one of auth.jwtSecret, auth.jwtPublicKey or auth.jwksUrl (${keys.length} set)`,
      });
    }
  })
  .default(AUTH_DEFAULTS);

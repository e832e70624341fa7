import { z } from 'zod';
import { rateLimitSchema } from './rate-limit-schema.js';

// The settings of the HTTP API (`/v1`, see docs/http-api.md). Part of relayConfigSchema
// (relay-config-schema.ts).

// The HTTP API's defaults, used twice: by each key and by the `api` object when it is absent.
const API_DEFAULTS = {
  bodyLimitBytes: 524_288,
  maxBatch: 100,
  rateLimit: { burst: 20, perSecond: 5 },
  idempotencyWindowMs: 3_600_000,
  idempotencyMaxEntries: 10_000,
};

/** The `api` setting: tokens, body and batch limits, the per-token rate limit, idempotency. */
export const apiSettingSchema = z
  .object({
    /** Bearer tokens: `name:secret:scope+scope` strings (the env form) or `{ name, secret, scopes }`. */
    tokens: z
      .array(
        z.union([
          z.string().min(1),
          z.object({ name: z.string(), secret: z.string(), scopes: z.array(z.string()).min(1) }).strict(),
        ]),
      )
      .default([])
      .describe(
        'HTTP API bearer tokens, name:secret:scope+scope, comma-separated (scopes: publish, read, admin); none: an admin token is generated and logged at start-up',
      ),
    bodyLimitBytes: z
      .int()
      .min(1024)
      .max(16_777_216)
      .default(API_DEFAULTS.bodyLimitBytes)
      .describe('largest HTTP API request body, in bytes'),
    maxBatch: z
      .int()
      .min(1)
      .max(1000)
      .default(API_DEFAULTS.maxBatch)
      .describe('most messages in one POST /v1/messages/batch'),
    /** Per-token token bucket for API requests (a batch is one request); `false` turns it off. */
    rateLimit: rateLimitSchema(API_DEFAULTS.rateLimit, {
      burst: 'HTTP API requests a token may make at once',
      perSecond: 'HTTP API requests a second a token may make in the long run',
    }),
    idempotencyWindowMs: z
      .int()
      .min(1000)
      .default(API_DEFAULTS.idempotencyWindowMs)
      .describe('how long the answer to a request with an Idempotency-Key is kept for its retries (ms)'),
    idempotencyMaxEntries: z
      .int()
      .min(1)
      .default(API_DEFAULTS.idempotencyMaxEntries)
      .describe('most Idempotency-Keys remembered at once; the oldest are forgotten first'),
  })
  .strict()
  .default({ tokens: [], ...API_DEFAULTS });

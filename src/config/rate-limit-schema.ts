import { z } from 'zod';

/** A token bucket's size: `burst` at once, `perSecond` in the long run. */
export interface RateLimitDefaults {
  readonly burst: number;
  readonly perSecond: number;
}

/**
 * A token-bucket setting (sockets, bots, API tokens, hooks): `{ burst, perSecond }`, each key defaulting
 * to `defaults`'s, or `false` for no limit. `what` says what is counted, in each key's description.
 *
 * @example
 * ```ts
 * rateLimitSchema({ burst: 20, perSecond: 10 }, { burst: 'events a socket may send at once', perSecond: '…' });
 * ```
 */
export function rateLimitSchema(defaults: RateLimitDefaults, what: { burst: string; perSecond: string }) {
  return z
    .union([
      z.literal(false),
      z
        .object({
          burst: z.int().min(1).default(defaults.burst).describe(what.burst),
          perSecond: z.number().positive().default(defaults.perSecond).describe(what.perSecond),
        })
        .strict(),
    ])
    .default({ burst: defaults.burst, perSecond: defaults.perSecond });
}

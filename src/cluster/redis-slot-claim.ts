import { randomUUID } from 'node:crypto';
import type { SlotClaim } from '../schedule/schedule-types.js';

/** What {@link redisSlotClaim} needs of a node-redis client. */
export interface SlotClaimRedis {
  readonly isReady: boolean;
  set(
    key: string,
    value: string,
    options: { condition: 'NX'; expiration: { type: 'PX'; value: number } },
  ): Promise<string | null>;
}

/**
 * A {@link SlotClaim} on Redis for the nodes of a cluster: the first node to `SET key NX` for a job's
 * slot runs it, the others skip it. Keys (`relaykit:schedule:<job>:<slot ms>`) expire after the time the
 * scheduler asks to keep them (the catch-up grace plus 10 minutes of clock skew), or `ttlMs` if that is
 * longer. While Redis is unreachable the
 * claim fails at once instead of waiting in the client's offline queue (the slot would go out late, or
 * block the job's later slots): the scheduler then runs the slot itself, and its publish is refused.
 *
 * @example
 * ```ts
 * server.scheduler.coordinate(redisSlotClaim(redisClient)); // the value stored is a random node id
 * ```
 */
export function redisSlotClaim(
  redis: SlotClaimRedis,
  options: { node?: string; ttlMs?: number } = {},
): SlotClaim {
  const node = options.node ?? randomUUID();
  return async (jobId, slot, keepMs) => {
    const ttlMs = Math.max(options.ttlMs ?? 0, keepMs);
    if (!redis.isReady) throw new Error('Redis is unreachable');
    const reply = await redis.set(`relaykit:schedule:${jobId}:${slot.getTime()}`, node, {
      condition: 'NX',
      expiration: { type: 'PX', value: ttlMs },
    });
    return reply === 'OK';
  };
}

import { setTimeout as delay } from 'node:timers/promises';
import type { Logger } from 'pino';
import { RedisLinks } from '../cluster/redis-links.js';
import { RelayError } from '../relay/relay-error.js';
import type { HubotBrainStore } from './hubot-brain-store.js';

/** How long opening waits for Redis, and closing for the last save (ms). */
const WAIT_MS = 5000;

/**
 * A brain kept in Redis under `relaykit:hubot-brain:<name>`, for a robot that may start on any machine
 * (the relay's `redisUrl`). Saves are coalesced: while one is in flight, the next holds only the latest
 * brain, so a Redis that is away costs one queued write, not one per autosave.
 *
 * @example
 * ```ts
 * const brain = await openHubotBrainRedis('redis://127.0.0.1:6379', 'hubot', logger);
 * ```
 */
export async function openHubotBrainRedis(url: string, name: string, log: Logger): Promise<HubotBrainStore> {
  const key = `relaykit:hubot-brain:${name}`;
  const links = new RedisLinks({ url, logger: log.child({ part: 'hubot-brain' }) });
  const unavailable = async (detail: string, cause?: unknown) => {
    await links.close();
    return new RelayError('RELAY_ERR_HUBOT_BRAIN_UNAVAILABLE', `hubot brain in Redis (${key}): ${detail}`, {
      cause,
    });
  };
  const connected = links.connect().then(() => true);
  if (!(await Promise.race([connected, delay(WAIT_MS, false, { ref: false })]))) {
    throw await unavailable(`Redis did not answer within ${WAIT_MS} ms`);
  }
  let loaded: Record<string, unknown> | undefined;
  try {
    const text = await links.client.get(key);
    const parsed: unknown = text === null ? undefined : JSON.parse(text);
    if (parsed !== undefined && (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))) {
      throw new Error('it does not hold a JSON object');
    }
    loaded = parsed as Record<string, unknown> | undefined;
  } catch (error) {
    // Starting empty would overwrite the brain at the first autosave.
    throw await unavailable(`could not be read: ${(error as Error).message}`, error);
  }

  let latest = '';
  let writing: Promise<void> = Promise.resolve();
  let queued: Promise<void> | undefined;
  let failing = false;
  const report = (error: unknown) => {
    if (!failing) log.error({ err: error, key }, 'hubot brain could not be saved');
    failing = true;
  };
  return {
    load: () => loaded,
    save(data) {
      try {
        latest = JSON.stringify(data);
      } catch (error) {
        report(error);
        return;
      }
      queued ??= writing.then(async () => {
        queued = undefined;
        try {
          await links.client.set(key, latest);
          if (failing) log.info({ key }, 'hubot brain saved again');
          failing = false;
        } catch (error) {
          report(error);
        }
      });
      writing = queued;
    },
    flush: () => writing,
    async close() {
      await Promise.race([writing, delay(WAIT_MS, undefined, { ref: false })]);
      await links.close();
    },
  };
}

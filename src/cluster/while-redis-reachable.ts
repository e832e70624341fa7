import { ErrorReply } from 'redis';
import { RelayError } from '../relay/relay-error.js';

// Replies that say Redis cannot serve right now (reading its data back, a script running, a replica
// without its primary), not that the command was wrong.
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN)\b/;

/**
 * Runs Redis commands for one request of a cluster-wide store (idempotency keys, hooks, webhook
 * endpoints) as a typed answer either way: refused at once with `RELAY_ERR_NOT_READY` while the
 * connection is down (node-redis would queue the commands until it is back, and the request would hang
 * for the whole outage), and `RELAY_ERR_NOT_READY` too when a command already sent fails because the
 * connection went away or Redis cannot serve yet (`LOADING` after a restart). A reply that says the
 * command itself was wrong stays what it is: a RelayKit bug, answered as `RELAY_ERR_INTERNAL`.
 *
 * @example
 * ```ts
 * const text = await whileRedisReachable(client, 'hooks cannot be looked up', () => client.hGet(KEY, id));
 * ```
 */
export async function whileRedisReachable<T>(
  redis: { readonly isReady?: boolean },
  what: string,
  run: () => Promise<T>,
): Promise<T> {
  if (redis.isReady === false) throw new RelayError('RELAY_ERR_NOT_READY', `Redis is unreachable: ${what}`);
  try {
    return await run();
  } catch (error) {
    if (error instanceof RelayError) throw error;
    if (error instanceof ErrorReply && !UNAVAILABLE_REPLY.test(error.message)) throw error;
    throw new RelayError('RELAY_ERR_NOT_READY', `Redis did not answer: ${what}`, { cause: error });
  }
}

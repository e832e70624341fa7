import cron from 'node-cron';
import { RelayError } from '../relay/relay-error.js';
import { checkCron } from '../schedule/cron-times.js';

/**
 * Where `bot.every` jobs run. Kept this small so that the relay's job scheduler can take over and show
 * bot jobs with every other job; the default runs them on node-cron.
 *
 * @example
 * ```ts
 * const job = scheduler.schedule('remind:sweep', '* * * * *', async () => sweep());
 * job.stop();
 * ```
 */
export interface BotScheduler {
  /** Starts running `handler` on `cronExpression`; throws a RelayError for an invalid expression. */
  schedule(id: string, cronExpression: string, handler: () => Promise<void>): { stop(): void };
}

/**
 * The default {@link BotScheduler}: node-cron, in the process's time zone, a run never stacked on a
 * slow previous one. A bot host outside a relay uses it unless given another scheduler.
 *
 * @example
 * ```ts
 * const job = cronBotScheduler.schedule('digest:daily', '0 9 * * *', async () => sendDigest());
 * job.stop();
 * ```
 */
export const cronBotScheduler: BotScheduler = {
  schedule(id, cronExpression, handler) {
    const problem = checkCron(cronExpression);
    if (problem) {
      throw new RelayError(
        'RELAY_ERR_PLUGIN_LOAD_FAILED',
        `job "${id}" has an invalid cron expression ${JSON.stringify(cronExpression)}: ${problem}`,
      );
    }
    // noOverlap: a slow run is not stacked on by the next tick.
    const task = cron.schedule(cronExpression, handler, { name: id, noOverlap: true });
    return {
      stop: () => {
        // destroy() returns a promise for a background task, which rejects when the task's process does
        // not stop in time. There is nothing left to undo (and no logger here), but the rejection must
        // not go unhandled: that ends a Node 20 process.
        Promise.resolve(task.destroy()).catch(() => undefined);
      },
    };
  },
};

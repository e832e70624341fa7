import { RelayError } from '../relay/relay-error.js';
import { checkCron } from '../schedule/cron-times.js';
import type { BotScheduler } from './bot-scheduler.js';

/**
 * A {@link BotScheduler} that never runs anything by itself: tests run jobs when they choose, without
 * waiting for wall-clock time. The testing kit uses it.
 *
 * @example
 * ```ts
 * const scheduler = new ManualBotScheduler();
 * await scheduler.run('digest:daily');
 * ```
 */
export class ManualBotScheduler implements BotScheduler {
  readonly #jobs = new Map<string, { cron: string; handler: () => Promise<void> }>();

  schedule(id: string, cronExpression: string, handler: () => Promise<void>): { stop(): void } {
    const problem = checkCron(cronExpression);
    if (problem) {
      throw new RelayError(
        'RELAY_ERR_PLUGIN_LOAD_FAILED',
        `job "${id}" has an invalid cron expression ${JSON.stringify(cronExpression)}: ${problem}`,
      );
    }
    const job = { cron: cronExpression, handler };
    this.#jobs.set(id, job);
    return {
      stop: () => {
        if (this.#jobs.get(id) === job) this.#jobs.delete(id);
      },
    };
  }

  /** Ids of the jobs currently scheduled. */
  ids(): string[] {
    return [...this.#jobs.keys()];
  }

  /** Runs one job now and waits for it; throws when no job has that id. */
  async run(id: string): Promise<void> {
    const job = this.#jobs.get(id);
    if (!job) throw new Error(`no job "${id}"; scheduled: ${this.ids().join(', ') || 'none'}`);
    await job.handler();
  }

  /** Runs every job (or those whose id starts with `prefix`) once, one after the other. */
  async runAll(prefix = ''): Promise<string[]> {
    const ids = this.ids().filter((id) => id.startsWith(prefix));
    for (const id of ids) await this.run(id);
    return ids;
  }
}

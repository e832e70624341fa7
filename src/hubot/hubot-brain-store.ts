import path from 'node:path';
import type { Logger } from 'pino';
import { BotStore } from '../bots/bot-store.js';
import type { JsonValue } from '../relay/events.js';
import { RelayError } from '../relay/relay-error.js';

/** Where a Hubot's `robot.brain` lives between runs. */
export interface HubotBrainStore {
  /** The brain data saved last, or `undefined` when there is none yet. */
  load(): Record<string, unknown> | undefined;
  /** Saves `data` (the brain's `save` event); never throws: a failure is logged, once per episode. */
  save(data: Record<string, unknown>): void;
  /** Resolves once every save so far is written. */
  flush(): Promise<void>;
  /** Writes what is left and lets go of the store (a connection, say). Idempotent. */
  close(): Promise<void>;
}

const BRAIN_KEY = 'brain';

/**
 * A brain kept in the bot store folder (`botStoreDir`), as `bot-store/hubot-<name>.json`, written
 * atomically by {@link BotStore}. The `hubot-` prefix keeps it apart from a RelayKit plugin of the same
 * name; the name is URI-encoded so it can never leave the folder. A file that cannot be read stops the
 * start with `RELAY_ERR_HUBOT_BRAIN_UNAVAILABLE` rather than being overwritten by the first save.
 *
 * @example
 * ```ts
 * const store = await openHubotBrainFile('.relaykit', 'hubot', logger);
 * ```
 */
export async function openHubotBrainFile(dir: string, name: string, log: Logger): Promise<HubotBrainStore> {
  const bot = `hubot-${encodeURIComponent(name)}`;
  let store: BotStore;
  try {
    store = await BotStore.open(dir, bot);
  } catch (error) {
    // Starting empty would overwrite the brain at the first autosave.
    throw new RelayError(
      'RELAY_ERR_HUBOT_BRAIN_UNAVAILABLE',
      `hubot brain ${path.join(dir, 'bot-store', `${bot}.json`)} could not be read: ${(error as Error).message}`,
      { cause: error },
    );
  }
  let failing = false;
  return {
    load() {
      const data = store.get(BRAIN_KEY);
      return data !== null && typeof data === 'object' && !Array.isArray(data) ? data : undefined;
    },
    save(data) {
      let written: Promise<void>;
      try {
        // Scripts may put anything in the brain; what JSON cannot hold (a cycle, a BigInt) must not
        // throw out of Hubot's save timer, where it would end the process.
        written = store.set(BRAIN_KEY, data as unknown as JsonValue);
      } catch (error) {
        written = Promise.reject(error);
      }
      written.then(
        () => {
          if (failing) log.info({ file: store.file }, 'hubot brain saved again');
          failing = false;
        },
        (error: unknown) => {
          if (!failing) log.error({ err: error, file: store.file }, 'hubot brain could not be saved');
          failing = true;
        },
      );
    },
    flush: () => store.flush(),
    close: () => store.flush(),
  };
}

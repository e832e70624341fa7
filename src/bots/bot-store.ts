import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { JsonValue } from '../relay/events.js';
import { RelayError } from '../relay/relay-error.js';
import { withDeadline } from '../relay/with-deadline.js';
import { BOT_SETTING_DEFAULTS } from './bot-settings.js';

const ignore = () => {};
// A value as its JSON text gives it back: what the store keeps or lends shares nothing with the caller.
// A deep copy through JSON text; throws for what JSON cannot hold (a cycle, a BigInt), and for undefined or
// a function, which JSON.stringify turns into nothing and JSON.parse would then misreport.
function copyOf<T extends JsonValue>(value: T): T {
  const text = JSON.stringify(value) as string | undefined;
  if (text === undefined) throw new TypeError(`${typeof value} is not JSON`);
  return JSON.parse(text) as T;
}

/**
 * A bot's small key-value store, kept in memory and saved to one JSON file per bot. Writes replace
 * the file atomically (temp file, then rename), so a crash leaves the old or the new content, never half.
 * Changes made while a write is under way are saved together by the next one: however fast a bot
 * changes its store, at most one copy of the file's text is held in memory.
 *
 * @example
 * ```ts
 * const count = (bot.store.get<number>('count') ?? 0) + 1;
 * await bot.store.set('count', count);
 * ```
 */
export class BotStore {
  readonly #file: string;
  #data = new Map<string, JsonValue>();
  /** The last write started or queued; never rejects. */
  #writing: Promise<void> = Promise.resolve();
  /** The write waiting for the current one to finish: it will save whatever the data is when it starts. */
  #queued: Promise<void> | undefined;
  /** Per key, the last update queued (settled, never rejects); removed once the key has none waiting. */
  readonly #updates = new Map<string, Promise<void>>();
  readonly #updateTimeoutMs: number;
  /** A write failed and nothing has been written since: the file is older than memory. */
  #unsaved = false;

  private constructor(file: string, updateTimeoutMs: number) {
    this.#file = file;
    this.#updateTimeoutMs = updateTimeoutMs;
  }

  /**
   * Opens the store of `bot` in `dir` (created when missing); an absent file is an empty store.
   * `updateTimeoutMs`: how long an `update`'s `fn` may take (the bot's handler timeout).
   */
  static async open(dir: string, bot: string, options: { updateTimeoutMs?: number } = {}): Promise<BotStore> {
    const store = new BotStore(
      path.join(dir, 'bot-store', `${bot}.json`),
      options.updateTimeoutMs ?? BOT_SETTING_DEFAULTS.botHandlerTimeoutMs,
    );
    let text: string | undefined;
    try {
      text = await readFile(store.#file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== undefined) {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        throw new Error(`${store.#file} does not hold a JSON object`);
      }
      store.#data = new Map(Object.entries(parsed as Record<string, JsonValue>));
    }
    return store;
  }

  /** The file the store is saved to. */
  get file(): string {
    return this.#file;
  }

  get<T extends JsonValue = JsonValue>(key: string): T | undefined {
    return this.#data.get(key) as T | undefined;
  }

  has(key: string): boolean {
    return this.#data.has(key);
  }

  keys(): string[] {
    return [...this.#data.keys()];
  }

  entries(): Array<[string, JsonValue]> {
    return [...this.#data.entries()];
  }

  /** Sets `key` and resolves once the file is saved. `value` must be JSON. */
  set(key: string, value: JsonValue): Promise<void> {
    // Kept as a copy, so later changes to `value` by the caller do not leak in; what JSON cannot hold
    // rejects, as a save that fails does, instead of throwing.
    let copy: JsonValue;
    try {
      copy = copyOf(value);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      return Promise.reject(new TypeError(`bot.store.set("${key}"): the value must be JSON (${why})`));
    }
    this.#data.set(key, copy);
    return this.#save();
  }

  /** Removes `key`; resolves with whether it was there, once the file is saved. */
  delete(key: string): Promise<boolean> {
    const had = this.#data.delete(key);
    const deleted = had ? this.#save().then(() => true) : Promise.resolve(false);
    // A failed save nobody awaits must not be an unhandled rejection (it ends the process).
    deleted.catch(ignore);
    return deleted;
  }

  /**
   * Replaces `key`'s value with what `fn` makes of the current one (`undefined` when absent; `fn`
   * returning `undefined` removes the key) and resolves with the new value once saved. Updates of one
   * key run one after another, each `fn` seeing the result of the one before, even when `fn` awaits:
   * `get` then `set` around an `await` would let two handlers read the same count and lose one. `fn`
   * gets a copy: one that throws changes nothing, even if it changed its argument first, and the next
   * update runs; one that takes longer than the bot's handler timeout is abandoned the same way
   * (`RELAY_ERR_BOT_HANDLER_TIMEOUT`), so that it cannot hold the key for ever. (`set` and `delete` do
   * not wait for updates.)
   *
   * @example
   * ```ts
   * const count = await bot.store.update<number>('count', (n) => (n ?? 0) + 1);
   * ```
   */
  update<T extends JsonValue>(
    key: string,
    fn: (current: T | undefined) => T | undefined | Promise<T | undefined>,
  ): Promise<T | undefined> {
    const previous = this.#updates.get(key) ?? Promise.resolve();
    const applied = previous.then(async () => {
      const current = this.get<T>(key);
      const next = await withDeadline(
        fn(current === undefined ? undefined : copyOf(current)),
        this.#updateTimeoutMs,
        () =>
          new RelayError(
            'RELAY_ERR_BOT_HANDLER_TIMEOUT',
            `store.update of "${key}" ran past ${this.#updateTimeoutMs} ms and was abandoned; its key is free again`,
          ),
      );
      const saved = next === undefined ? this.delete(key) : this.set(key, next);
      return { value: this.get<T>(key), saved };
    });
    // The next update of the key waits for this one's change in memory, not for the file.
    const settled = applied.then(ignore, ignore);
    this.#updates.set(key, settled);
    void settled.then(() => {
      if (this.#updates.get(key) === settled) this.#updates.delete(key);
    });
    const updated = applied.then(async ({ value, saved }) => {
      await saved;
      return value;
    });
    updated.catch(ignore); // as for delete: whoever awaits it still gets the error
    return updated;
  }

  /**
   * Resolves once everything set so far is on disk. After a write that failed (a full disk, a folder
   * gone), what memory holds is newer than the file even when no key changes again: it is written again
   * here, and the returned promise rejects if that fails too.
   */
  flush(): Promise<void> {
    return this.#writing.then(() => (this.#unsaved ? this.#save() : undefined));
  }

  #save(): Promise<void> {
    // A write that has not started yet will save this change too. Taking a snapshot per change instead
    // kept one copy of the whole store per change until its turn came: quadratic memory for a bot that
    // changes its store in a burst.
    this.#queued ??= this.#enqueue();
    return this.#queued;
  }

  #enqueue(): Promise<void> {
    // Writes are chained so that an older snapshot can never overwrite a newer one.
    const write = this.#writing.then(async () => {
      this.#queued = undefined;
      const text = `${JSON.stringify(Object.fromEntries(this.#data), null, 2)}\n`;
      await mkdir(path.dirname(this.#file), { recursive: true });
      const temp = `${this.#file}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        await writeFile(temp, text, 'utf8');
        await rename(temp, this.#file);
      } catch (error) {
        await rm(temp, { force: true }).catch(ignore);
        throw error;
      }
    });
    this.#writing = write.then(
      () => {
        // This write started after every change made before it was queued: none is left unsaved, unless
        // another write is queued already, which will report for itself.
        if (this.#queued === undefined) this.#unsaved = false;
      },
      () => {
        this.#unsaved = true;
      },
    );
    return write;
  }
}

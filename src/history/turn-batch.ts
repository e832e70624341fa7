import type { LoggedMessage } from '../relay/message-log.js';

/** Appends waiting for the next group commit, with what settles their promise. */
export interface PendingAppend {
  readonly entries: readonly LoggedMessage[];
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The group commit of a message log: the appends made during one event-loop turn are handed to `commit`
 * together at the next turn, which settles each one's promise. `flush()` commits what waits now (at
 * close) and answers what `commit` answered.
 *
 * @example
 * ```ts
 * const batch = new TurnBatch((appends) => writeInOneTransaction(appends));
 * await batch.add([message]); // settled by that transaction
 * ```
 */
export class TurnBatch<R = void> {
  readonly #commit: (batch: readonly PendingAppend[]) => R;
  #pending: PendingAppend[] = [];
  #scheduled: NodeJS.Immediate | undefined;

  constructor(commit: (batch: readonly PendingAppend[]) => R) {
    this.#commit = commit;
  }

  add(entries: readonly LoggedMessage[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ entries, resolve, reject });
      this.#scheduled ??= setImmediate(() => this.flush());
    });
  }

  flush(): R | undefined {
    if (this.#scheduled !== undefined) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    const batch = this.#pending;
    this.#pending = [];
    return batch.length === 0 ? undefined : this.#commit(batch);
  }
}

/**
 * Rejects the appends of a batch that could not be kept, with `error`, and answers how many; an append
 * with nothing to keep (a private message, sent in order with the others) resolves instead.
 *
 * @example
 * ```ts
 * log.refused += refuseAppends(batch, error);
 * ```
 */
export function refuseAppends(batch: readonly PendingAppend[], error: unknown): number {
  let refused = 0;
  for (const pending of batch) {
    if (pending.entries.length === 0) {
      pending.resolve();
    } else {
      refused += 1;
      pending.reject(error);
    }
  }
  return refused;
}

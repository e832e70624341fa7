import type { Brain } from 'hubot';

/** The mark on a brain user whose id is a connection's (socket id), not an account's. */
export const CONNECTION_USER = 'relayConnection';

/**
 * Keeps the brain's users whose id is a connection's from growing without bound. Without the identity
 * a relay gives accounts, every connection of a person is a new id, so a brain that keeps each one
 * grows with every page load, and so does its file. The `max` most recently seen are kept; older ones
 * are dropped from the brain, also those a previous run saved (they carry {@link CONNECTION_USER}).
 */
export class ConnectionUsers {
  readonly #brain: Brain;
  readonly #max: number;
  /** Ids, least recently seen first (a Set keeps insertion order). */
  readonly #seen = new Set<string>();

  constructor(brain: Brain, max: number) {
    this.#brain = brain;
    this.#max = max;
  }

  /** Takes in the connection users of a loaded brain, oldest first, as they were saved. */
  adopt(): void {
    for (const [id, user] of Object.entries(this.#brain.data.users)) {
      if (user?.[CONNECTION_USER] === true) this.#seen.add(id);
    }
    this.#trim();
  }

  /** Notes that connection user `id` was just seen. */
  touch(id: string): void {
    this.#seen.delete(id);
    this.#seen.add(id);
    this.#trim();
  }

  #trim(): void {
    for (const id of this.#seen) {
      if (this.#seen.size <= this.#max) return;
      this.#seen.delete(id);
      delete this.#brain.data.users[id];
    }
  }
}

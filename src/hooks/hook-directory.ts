import type { Hook } from './hook.js';
import type { HookStore } from './hook-store.js';

/**
 * Where the hooks added over the API live: this node's SQLite store ({@link LocalHookDirectory}), or in a
 * cluster a directory every node shares (Redis), so that a hook added on one node is reached on all
 * and a rotation or deletion takes effect everywhere at once.
 */
export interface HookDirectory {
  /** The hook whose key hashes to `keyHash`, if any. */
  byKeyHash(keyHash: string): Promise<Hook | undefined>;
  byId(id: string): Promise<Hook | undefined>;
  /** Every hook, oldest first. */
  list(): Promise<Hook[]>;
  insert(hook: Hook): Promise<void>;
  /** Replaces `old`'s key by `next`'s (same id). */
  rekey(old: Hook, next: Hook): Promise<void>;
  remove(hook: Hook): Promise<void>;
}

/**
 * The hooks of one node, in its SQLite store, read there at every lookup: the workers of
 * `relay serve --workers` share the file, so a hook added, rotated or deleted through one worker is so
 * through every worker at once (nothing is cached; a lookup is one indexed row, by the SHA-256 of the key,
 * whose timing says nothing about any real key).
 */
export class LocalHookDirectory implements HookDirectory {
  readonly #store: HookStore;

  constructor(store: HookStore) {
    this.#store = store;
  }

  async byKeyHash(keyHash: string): Promise<Hook | undefined> {
    return this.#store.byKeyHash(keyHash);
  }

  async byId(id: string): Promise<Hook | undefined> {
    return this.#store.byId(id);
  }

  async list(): Promise<Hook[]> {
    return this.#store.list();
  }

  async insert(hook: Hook): Promise<void> {
    this.#store.insert(hook);
  }

  async rekey(old: Hook, next: Hook): Promise<void> {
    this.#store.rekey(old.id, next.keyHash, next.signingSecret);
  }

  async remove(hook: Hook): Promise<void> {
    this.#store.remove(hook.id);
  }
}

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
 * The hooks of one node: kept in its SQLite store, looked up in memory (by the hash of a key: a map
 * lookup on a hash says nothing about any real key through its timing).
 */
export class LocalHookDirectory implements HookDirectory {
  readonly #store: HookStore;
  readonly #byHash = new Map<string, Hook>();
  readonly #byId = new Map<string, Hook>();

  constructor(store: HookStore) {
    this.#store = store;
    for (const hook of store.list()) this.#add(hook);
  }

  async byKeyHash(keyHash: string): Promise<Hook | undefined> {
    return this.#byHash.get(keyHash);
  }

  async byId(id: string): Promise<Hook | undefined> {
    return this.#byId.get(id);
  }

  async list(): Promise<Hook[]> {
    return [...this.#byId.values()];
  }

  async insert(hook: Hook): Promise<void> {
    this.#store.insert(hook);
    this.#add(hook);
  }

  async rekey(old: Hook, next: Hook): Promise<void> {
    this.#store.rekey(old.id, next.keyHash, next.signingSecret);
    this.#byHash.delete(old.keyHash);
    this.#add(next);
  }

  async remove(hook: Hook): Promise<void> {
    this.#store.remove(hook.id);
    this.#byHash.delete(hook.keyHash);
    this.#byId.delete(hook.id);
  }

  #add(hook: Hook): void {
    this.#byHash.set(hook.keyHash, hook);
    this.#byId.set(hook.id, hook);
  }
}

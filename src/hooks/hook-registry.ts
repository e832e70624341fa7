import { RelayError } from '../relay/relay-error.js';
import { type Hook, hashKey, newHookId, newHookKey } from './hook.js';
import type { DeclaredHookSpec, NewHookSpec } from './hook-spec.js';
import type { HookStore } from './hook-store.js';

/** A hook just made or rotated, with the one copy of its key the relay will ever give out. */
export interface IssuedHook {
  readonly hook: Hook;
  readonly key: string;
}

/**
 * The hooks in force: the config file's and the store's, found by the SHA-256 of a URL key (a map
 * lookup on a hash: how long it takes says nothing about any real key) or by id. Changes go to the
 * store first, then to memory.
 *
 * @example
 * ```ts
 * const hooks = new HookRegistry(HookStore.open(file), declared);
 * const { hook, key } = hooks.create({ name: 'alerts', room: 'ops', format: 'alertmanager', allowChannel: false });
 * hooks.byKey(key); // hook
 * ```
 */
export class HookRegistry {
  readonly #store: HookStore;
  readonly #byHash = new Map<string, Hook>();
  readonly #byId = new Map<string, Hook>();

  constructor(store: HookStore, declared: readonly DeclaredHookSpec[], now: () => Date = () => new Date()) {
    this.#store = store;
    const startedAt = now().toISOString();
    for (const spec of declared) {
      const { key, ...settings } = spec;
      this.#add({
        ...settings,
        keyHash: hashKey(key),
        ...(spec.format === 'github' ? { signingSecret: key } : {}),
        declared: true,
        createdAt: startedAt,
      });
    }
    // A stored hook whose id the config file now declares is shadowed by the declared one.
    for (const hook of store.list()) if (!this.#byId.has(hook.id)) this.#add(hook);
  }

  /** The hook a URL key opens, if any. */
  byKey(key: string): Hook | undefined {
    return this.#byHash.get(hashKey(key));
  }

  byId(id: string): Hook | undefined {
    return this.#byId.get(id);
  }

  /** Every hook, declared ones first. */
  list(): Hook[] {
    return [...this.#byId.values()];
  }

  /** Makes and stores a hook; its key is in the answer only. */
  create(spec: NewHookSpec, now = new Date()): IssuedHook {
    const key = newHookKey();
    const hook: Hook = {
      id: newHookId(),
      name: spec.name,
      room: spec.room,
      format: spec.format,
      keyHash: hashKey(key),
      ...(spec.format === 'github' ? { signingSecret: key } : {}),
      allowChannel: spec.allowChannel,
      declared: false,
      createdAt: now.toISOString(),
    };
    this.#store.insert(hook);
    this.#add(hook);
    return { hook, key };
  }

  /** Gives a hook a new key: its old URL (and GitHub secret) stop working at once. */
  rotate(id: string): IssuedHook {
    const old = this.#changeable(id);
    const key = newHookKey();
    const hook: Hook = {
      ...old,
      keyHash: hashKey(key),
      ...(old.format === 'github' ? { signingSecret: key } : {}),
    };
    this.#store.rekey(id, hook.keyHash, hook.signingSecret);
    this.#byHash.delete(old.keyHash);
    this.#add(hook);
    return { hook, key };
  }

  /** Deletes a hook: its URL answers 404 from now on. */
  remove(id: string): void {
    const old = this.#changeable(id);
    this.#store.remove(id);
    this.#byHash.delete(old.keyHash);
    this.#byId.delete(id);
  }

  #changeable(id: string): Hook {
    const hook = this.#byId.get(id);
    if (!hook) throw new RelayError('RELAY_ERR_HOOK_NOT_FOUND', `no hook has the id "${id}"`);
    if (hook.declared) {
      throw new RelayError('RELAY_ERR_HOOK_DECLARED', `hook "${id}" is declared in the config file`);
    }
    return hook;
  }

  #add(hook: Hook): void {
    this.#byHash.set(hook.keyHash, hook);
    this.#byId.set(hook.id, hook);
  }
}

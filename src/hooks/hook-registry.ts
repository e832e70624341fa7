import { RelayError } from '../relay/relay-error.js';
import { type Hook, hashKey, newHookId, newHookKey } from './hook.js';
import type { HookDirectory } from './hook-directory.js';
import type { DeclaredHookSpec, NewHookSpec } from './hook-spec.js';

/** A hook just made or rotated, with the one copy of its key the relay will ever give out. */
export interface IssuedHook {
  readonly hook: Hook;
  readonly key: string;
}

/**
 * The hooks in force: the config file's (in memory, read-only) and the directory's (added over the API),
 * found by the SHA-256 of a URL key or by id. A declared hook shadows a stored one of the same id.
 *
 * @example
 * ```ts
 * const hooks = new HookRegistry(new LocalHookDirectory(HookStore.open(file)), declared);
 * const { hook, key } = await hooks.create({ name: 'alerts', room: 'ops', format: 'alertmanager', allowChannel: false });
 * await hooks.byKey(key); // hook
 * ```
 */
export class HookRegistry {
  readonly #directory: HookDirectory;
  readonly #declaredByHash = new Map<string, Hook>();
  readonly #declaredById = new Map<string, Hook>();

  constructor(
    directory: HookDirectory,
    declared: readonly DeclaredHookSpec[],
    now: () => Date = () => new Date(),
  ) {
    this.#directory = directory;
    const startedAt = now().toISOString();
    for (const spec of declared) {
      const { key, ...settings } = spec;
      const hook: Hook = {
        ...settings,
        keyHash: hashKey(key),
        ...(spec.format === 'github' ? { signingSecret: key } : {}),
        declared: true,
        createdAt: startedAt,
      };
      this.#declaredByHash.set(hook.keyHash, hook);
      this.#declaredById.set(hook.id, hook);
    }
  }

  /** The hook a URL key opens, if any. */
  async byKey(key: string): Promise<Hook | undefined> {
    const keyHash = hashKey(key);
    const declared = this.#declaredByHash.get(keyHash);
    if (declared) return declared;
    const stored = await this.#directory.byKeyHash(keyHash);
    return stored && !this.#declaredById.has(stored.id) ? stored : undefined;
  }

  async byId(id: string): Promise<Hook | undefined> {
    return this.#declaredById.get(id) ?? (await this.#directory.byId(id));
  }

  /** Every hook, declared ones first. */
  async list(): Promise<Hook[]> {
    const stored = (await this.#directory.list()).filter((hook) => !this.#declaredById.has(hook.id));
    return [...this.#declaredById.values(), ...stored];
  }

  /** Makes and stores a hook; its key is in the answer only. */
  async create(spec: NewHookSpec, now = new Date()): Promise<IssuedHook> {
    const key = newHookKey();
    const hook: Hook = {
      id: newHookId(),
      name: spec.name,
      room: spec.room,
      format: spec.format,
      keyHash: hashKey(key),
      ...(spec.format === 'github' ? { signingSecret: key } : {}),
      allowChannel: spec.allowChannel,
      ...(spec.template === undefined ? {} : { template: spec.template }),
      declared: false,
      createdAt: now.toISOString(),
    };
    await this.#directory.insert(hook);
    return { hook, key };
  }

  /** Gives a hook a new key: its old URL (and GitHub secret) stop working at once. */
  async rotate(id: string): Promise<IssuedHook> {
    const old = await this.#changeable(id);
    const key = newHookKey();
    const hook: Hook = {
      ...old,
      keyHash: hashKey(key),
      ...(old.format === 'github' ? { signingSecret: key } : {}),
    };
    await this.#directory.rekey(old, hook);
    return { hook, key };
  }

  /** Deletes a hook: its URL answers 404 from now on. */
  async remove(id: string): Promise<void> {
    await this.#directory.remove(await this.#changeable(id));
  }

  async #changeable(id: string): Promise<Hook> {
    if (this.#declaredById.has(id)) {
      throw new RelayError('RELAY_ERR_HOOK_DECLARED', `hook "${id}" is declared in the config file`);
    }
    const hook = await this.#directory.byId(id);
    if (!hook) throw new RelayError('RELAY_ERR_HOOK_NOT_FOUND', `no hook has the id "${id}"`);
    return hook;
  }
}

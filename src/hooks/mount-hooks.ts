import type { Express } from 'express';
import type { Logger } from 'pino';
import type { HttpApi } from '../http/mount-http-api.js';
import { ConfigError } from '../relay/config-error.js';
import type { Relay } from '../relay/relay.js';
import type { RelayLifecycle } from '../relay/relay-lifecycle.js';
import { type HookDirectory, LocalHookDirectory } from './hook-directory.js';
import { createHookMetrics } from './hook-metrics.js';
import { HookRegistry } from './hook-registry.js';
import { type HookRouteSettings, hookRoutes } from './hook-routes.js';
import { checkDeclaredHook, type DeclaredHookSpec } from './hook-spec.js';
import { HookStore } from './hook-store.js';
import { hooksApi } from './hooks-api.js';

/** What incoming webhooks read of the relay's settings. */
export interface HookSettings extends HookRouteSettings {
  readonly api: { readonly bodyLimitBytes: number };
  readonly trustProxy?: boolean;
  readonly hooks: HookRouteSettings['hooks'] & {
    readonly store: string;
    readonly declared: readonly unknown[];
  };
}

/**
 * Mounts incoming webhooks: the delivery route `POST /hooks/{key}` on `app`, the `/v1/hooks` routes
 * on the HTTP API and `relay_hook_deliveries_total` in its registry. Hooks come from the config file
 * (`hooks.declared`) and from the directory: a cluster's shared one, else this node's store
 * (`hooks.store`), which closes with the relay. Throws a
 * `ConfigError` naming a bad declared hook.
 *
 * @example
 * ```ts
 * mountHooks({ app: server.app, api, relay: server.relay, lifecycle: server, logger, settings: config });
 * ```
 */
export function mountHooks(deps: {
  readonly app: Express;
  readonly api: HttpApi;
  readonly relay: Relay;
  readonly lifecycle: RelayLifecycle;
  readonly logger: Logger;
  readonly settings: HookSettings;
  /** Where API-added hooks live; default: this node's `hooks.store` (SQLite). A cluster shares one. */
  readonly directory?: HookDirectory;
}): HookRegistry {
  const { settings } = deps;
  const declared = checkDeclared(settings.hooks.declared);
  const hooks = new HookRegistry(deps.directory ?? openLocal(settings.hooks.store, deps.lifecycle), declared);
  const metrics = createHookMetrics(
    deps.api.metrics.registry,
    async (id) => (await hooks.byId(id)) !== undefined,
  );
  deps.api.v1.use(hooksApi({ hooks, metrics, settings }));
  deps.app.use(hookRoutes({ relay: deps.relay, logger: deps.logger, hooks, metrics, settings }));
  return hooks;
}

function openLocal(file: string, lifecycle: RelayLifecycle): HookDirectory {
  const store = HookStore.open(file);
  lifecycle.onClose(() => store.close());
  return new LocalHookDirectory(store);
}

function checkDeclared(entries: readonly unknown[]): DeclaredHookSpec[] {
  const ids = new Set<string>();
  return entries.map((entry, index) => {
    const checked = checkDeclaredHook(entry);
    if (!checked.ok) {
      throw new ConfigError(`hooks.declared[${index}].${checked.field}`, 'hooks', checked.problem);
    }
    if (ids.has(checked.value.id)) {
      throw new ConfigError(
        `hooks.declared[${index}].id`,
        'hooks',
        `"${checked.value.id}" is declared twice`,
      );
    }
    ids.add(checked.value.id);
    return checked.value;
  });
}

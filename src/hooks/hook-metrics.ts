import { Counter, type Registry } from 'prom-client';
import { KeyedCounter } from '../http/keyed-counter.js';

/** `relay_hook_deliveries_total`: deliveries per hook, accepted or refused (by error code). */
export interface HookMetrics {
  accepted(hookId: string): void;
  refused(hookId: string, code: string): void;
  /** Forgets a deleted hook's series. */
  forget(hookId: string): void;
}

/** Label of deliveries to a key no hook has: one series for all of them, whatever the URLs. */
export const UNKNOWN_HOOK = '(unknown)';

/**
 * Creates the hooks' metrics in the relay's registry. `exists` says whether a hook id is still known:
 * at each scrape, the series of hooks deleted elsewhere (through another worker sharing the hooks' file,
 * or another node) are dropped, as `forget` drops them where the hook was deleted.
 */
export function createHookMetrics(
  registry: Registry,
  exists: (hookId: string) => Promise<boolean>,
): HookMetrics {
  const deliveries: KeyedCounter<'hook' | 'outcome' | 'reason'> = new KeyedCounter(
    new Counter({
      name: 'relay_hook_deliveries_total',
      help: 'Webhook deliveries by hook id, outcome (accepted, refused) and reason (the error code of a refusal).',
      labelNames: ['hook', 'outcome', 'reason'],
      registers: [registry],
      async collect() {
        for (const hook of deliveries.keys()) {
          // A directory that cannot answer now (Redis away) keeps the series until it can.
          const known = hook === UNKNOWN_HOOK || (await exists(hook).catch(() => true));
          if (!known) deliveries.forget(hook);
        }
      },
    }),
    'hook',
  );
  return {
    accepted: (hook) => deliveries.inc({ hook, outcome: 'accepted', reason: '' }),
    refused: (hook, code) => deliveries.inc({ hook, outcome: 'refused', reason: code }),
    forget: (hook) => deliveries.forget(hook),
  };
}

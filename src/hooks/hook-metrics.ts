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

/** Creates the hooks' metrics in the relay's registry. */
export function createHookMetrics(registry: Registry): HookMetrics {
  const deliveries = new KeyedCounter(
    new Counter({
      name: 'relay_hook_deliveries_total',
      help: 'Webhook deliveries by hook id, outcome (accepted, refused) and reason (the error code of a refusal).',
      labelNames: ['hook', 'outcome', 'reason'],
      registers: [registry],
    }),
    'hook',
  );
  return {
    accepted: (hook) => deliveries.inc({ hook, outcome: 'accepted', reason: '' }),
    refused: (hook, code) => deliveries.inc({ hook, outcome: 'refused', reason: code }),
    forget: (hook) => deliveries.forget(hook),
  };
}

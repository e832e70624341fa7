import { Counter, type Registry } from 'prom-client';

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
  const deliveries = new Counter({
    name: 'relay_hook_deliveries_total',
    help: 'Webhook deliveries by hook id, outcome (accepted, refused) and reason (the error code of a refusal).',
    labelNames: ['hook', 'outcome', 'reason'],
    registers: [registry],
  });
  // prom-client removes a series by all of its labels, so each hook's refusal reasons are kept to be
  // removed with it (a few error codes at most).
  const reasons = new Map<string, Set<string>>();
  const count = (hook: string, reason: string) => {
    if (hook !== UNKNOWN_HOOK) {
      const seen = reasons.get(hook) ?? new Set<string>();
      reasons.set(hook, seen.add(reason));
    }
    deliveries.inc({ hook, outcome: reason === '' ? 'accepted' : 'refused', reason });
  };
  return {
    accepted: (hook) => count(hook, ''),
    refused: (hook, code) => count(hook, code),
    forget: (hook) => {
      for (const reason of reasons.get(hook) ?? []) {
        deliveries.remove({ hook, outcome: reason === '' ? 'accepted' : 'refused', reason });
      }
      reasons.delete(hook);
    },
  };
}

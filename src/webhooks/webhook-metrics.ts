import { Counter, Gauge, type Registry } from 'prom-client';
import { KeyedCounter } from '../http/keyed-counter.js';
import type { DeliveryListener } from './delivery-settings.js';
import type { WebhookRegistry } from './webhook-registry.js';
import type { WebhookStore } from './webhook-store.js';

type Known = (endpoint: string) => boolean;

// A counter by endpoint and outcome that drops, when scraped, the series of endpoints no longer known.
function endpointCounter(metrics: Registry, name: string, help: string, known: Known) {
  const counter: KeyedCounter<'endpoint' | 'outcome'> = new KeyedCounter(
    new Counter({
      name,
      help,
      labelNames: ['endpoint', 'outcome'],
      registers: [metrics],
      collect() {
        for (const endpoint of counter.keys()) if (!known(endpoint)) counter.forget(endpoint);
      },
    }),
    'endpoint',
  );
  return (endpoint: string, outcome: string) => {
    // An attempt that ends after its endpoint was removed counts nothing.
    if (known(endpoint)) counter.inc({ endpoint, outcome });
  };
}

/**
 * `relay_webhook_deliveries_total`, `relay_webhook_answers_total` and `relay_webhook_queue_depth`, in
 * the relay's registry. An endpoint removed (here, on another node, or from the config file) has no
 * series from the next scrape on, so adding and removing endpoints does not grow /metrics.
 *
 * @example
 * ```ts
 * const listener = webhookMetrics(metricsRegistry, store, registry); // the dispatcher's listener
 * ```
 */
export function webhookMetrics(
  metrics: Registry,
  store: WebhookStore,
  endpoints: Pick<WebhookRegistry, 'has'>,
): DeliveryListener {
  const known: Known = (id) => endpoints.has(id);
  const delivery = endpointCounter(
    metrics,
    'relay_webhook_deliveries_total',
    'Webhook delivery attempts, by endpoint and outcome (ok, failed: will retry, dead-lettered, dropped: queue full).',
    known,
  );
  const answer = endpointCounter(
    metrics,
    'relay_webhook_answers_total',
    "Webhook endpoints' answers, by endpoint and outcome (published, refused by the relay, garbage, too-large).",
    known,
  );
  new Gauge({
    name: 'relay_webhook_queue_depth',
    help: 'Webhook deliveries in the queue, by endpoint and state (pending, sending, dead).',
    labelNames: ['endpoint', 'state'],
    registers: [metrics],
    collect() {
      this.reset();
      for (const row of store.depths()) this.set({ endpoint: row.endpointId, state: row.state }, row.count);
    },
  });
  return { delivery, answer };
}

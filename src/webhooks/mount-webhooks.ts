import type { Logger } from 'pino';
import type { HttpApi } from '../http/mount-http-api.js';
import { ConfigError } from '../relay/config-error.js';
import type { Relay } from '../relay/relay.js';
import type { RelayLifecycle } from '../relay/relay-lifecycle.js';
import type { DeliverySettings } from './delivery-settings.js';
import { LocalWebhookDirectory, type WebhookDirectory } from './webhook-directory.js';
import { WebhookDispatcher } from './webhook-dispatcher.js';
import { checkWebhookEndpoint, type WebhookEndpoint } from './webhook-endpoint.js';
import { webhookMetrics } from './webhook-metrics.js';
import { WebhookRegistry } from './webhook-registry.js';
import { webhookRoutes } from './webhook-routes.js';
import { WebhookStore } from './webhook-store.js';

/** The `webhooks` settings. */
export interface WebhookSettings extends DeliverySettings {
  readonly store: string;
  readonly maxEndpoints: number;
  /** Endpoints from the config file: `{ id, name?, url, rooms, trigger, secret }`. */
  readonly endpoints: readonly unknown[];
}

/** What mounting outgoing webhooks needs of the relay. */
export interface WebhookDeps {
  readonly relay: Pick<Relay, 'observe' | 'publish'>;
  readonly api: HttpApi;
  readonly lifecycle: RelayLifecycle;
  readonly logger: Logger;
  readonly settings: {
    readonly webhooks: WebhookSettings;
    readonly botRateLimit: { burst: number; perSecond: number } | false;
    readonly api: { readonly bodyLimitBytes: number };
    readonly trustProxy?: boolean;
  };
  /**
   * Where endpoints added over the API live; default: `webhooks.store`. In a cluster, one every node
   * shares (Redis, or the primary of `relay serve --workers`).
   */
  readonly directory?: WebhookDirectory;
}

/**
 * Adds outgoing webhooks to a relay: endpoints from the config file and the `/v1/webhooks` API, the
 * durable delivery queue in `webhooks.store`, the `relay_webhook_*` metrics. Deliveries start once the
 * relay listens; when it closes, attempts in flight finish and the queue stays on disk for the next start.
 * With a shared `directory`, the API's endpoints are every node's, listed once the relay listens; each node
 * still queues only the messages published on it, so a message triggers each endpoint once.
 * Throws a `ConfigError` naming a bad config-file endpoint.
 *
 * @example
 * ```ts
 * mountWebhooks({ relay: server.relay, api, lifecycle: server, logger: server.logger, settings: config });
 * ```
 */
export function mountWebhooks(deps: WebhookDeps): void {
  const settings = deps.settings.webhooks;
  const createdAt = new Date().toISOString();
  const configured: WebhookEndpoint[] = settings.endpoints.map((input, index) => {
    const checked = checkWebhookEndpoint(input, {
      origin: 'config',
      createdAt,
      allowPrivateNetworks: settings.allowPrivateNetworks,
    });
    if (!checked.ok)
      throw new ConfigError(
        `webhooks.endpoints.${index}.${checked.field}`,
        'the relay settings',
        checked.problem,
      );
    return checked.endpoint;
  });
  const duplicate = configured.find(
    (endpoint, index) => configured.findIndex((e) => e.id === endpoint.id) !== index,
  );
  if (duplicate)
    throw new ConfigError(
      'webhooks.endpoints',
      'the relay settings',
      `two endpoints have the id "${duplicate.id}"`,
    );

  const store = WebhookStore.open(settings.store);
  const logger = deps.logger.child({ part: 'webhooks' });
  const registry = new WebhookRegistry({
    store,
    directory: deps.directory ?? new LocalWebhookDirectory(store),
    logger,
    configured,
    // A shared directory is listed once the relay listens (and whenever it changes), not here.
    ...(deps.directory ? {} : { initial: store.listEndpoints() }),
    maxEndpoints: settings.maxEndpoints,
    allowPrivateNetworks: settings.allowPrivateNetworks,
  });
  const dispatcher = new WebhookDispatcher({
    relay: deps.relay,
    logger,
    store,
    registry,
    settings,
    botRateLimit: deps.settings.botRateLimit,
    listener: webhookMetrics(deps.api.metrics.registry, store, registry),
  });
  deps.api.v1.use(
    webhookRoutes({
      registry,
      dispatcher,
      store,
      bodyLimitBytes: deps.settings.api.bodyLimitBytes,
      trustProxy: deps.settings.trustProxy ?? false,
    }),
  );
  deps.lifecycle.onListen(async () => {
    if (deps.directory) {
      await deps.directory
        .adopt?.(store.listEndpoints())
        .catch((error: unknown) =>
          logger.warn({ err: (error as Error).message }, 'stored webhook endpoints not shared'),
        );
      await registry.reload();
    }
    dispatcher.start();
  });
  deps.lifecycle.onPreClose(() => dispatcher.stop());
  deps.lifecycle.onClose(async () => {
    registry.close();
    await dispatcher.close();
    store.close();
  });
}

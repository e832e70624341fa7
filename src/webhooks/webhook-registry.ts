import { randomBytes } from 'node:crypto';
import { RequestFieldError } from '../http/request-field-error.js';
import { RelayError } from '../relay/relay-error.js';
import { checkWebhookEndpoint, type WebhookEndpoint } from './webhook-endpoint.js';
import { newWebhookSecret } from './webhook-signature.js';
import type { WebhookStore } from './webhook-store.js';

/**
 * The endpoints of a relay, from its config file and its store, indexed by room: what the publish path
 * asks for each message is one map lookup, and a message in a room no endpoint watches costs nothing more.
 */
export class WebhookRegistry {
  readonly #endpoints = new Map<string, WebhookEndpoint>();
  readonly #byRoom = new Map<string, WebhookEndpoint[]>();
  readonly #store: WebhookStore;
  readonly #maxEndpoints: number;
  readonly #allowPrivateNetworks: boolean;

  constructor(options: {
    readonly store: WebhookStore;
    readonly configured: readonly WebhookEndpoint[];
    readonly maxEndpoints: number;
    readonly allowPrivateNetworks: boolean;
  }) {
    this.#store = options.store;
    this.#maxEndpoints = options.maxEndpoints;
    this.#allowPrivateNetworks = options.allowPrivateNetworks;
    for (const endpoint of options.configured) this.#endpoints.set(endpoint.id, endpoint);
    for (const { spec, createdAt } of options.store.listEndpoints()) {
      // Checked again: the file may be older than this RelayKit. allowPrivateNetworks is not applied to
      // stored URLs here; the guard at connect time still refuses them.
      const checked = checkWebhookEndpoint(spec, { origin: 'api', createdAt, allowPrivateNetworks: true });
      if (checked.ok && !this.#endpoints.has(checked.endpoint.id))
        this.#endpoints.set(checked.endpoint.id, checked.endpoint);
    }
    this.#reindex();
  }

  /** The endpoints watching `room`, or undefined: the publish path's one lookup. */
  watching(room: string): readonly WebhookEndpoint[] | undefined {
    return this.#byRoom.get(room);
  }

  list(): WebhookEndpoint[] {
    return [...this.#endpoints.values()];
  }

  /** The endpoint `id`; throws `RELAY_ERR_WEBHOOK_NOT_FOUND`. */
  get(id: string): WebhookEndpoint {
    const endpoint = this.#endpoints.get(id);
    if (!endpoint) {
      throw new RelayError(
        'RELAY_ERR_WEBHOOK_NOT_FOUND',
        `no webhook endpoint "${id}"; list them with GET /v1/webhooks`,
      );
    }
    return endpoint;
  }

  /**
   * Adds an endpoint from a request body `{ url, rooms, trigger, name? }`, with a new id and secret, and
   * keeps it in the store. Returns it with its secret, shown this once.
   */
  add(body: unknown): WebhookEndpoint {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw invalid('body', 'expected an object { url, rooms, trigger, name? }');
    }
    const forbidden = ['id', 'secret'].find((key) => key in body);
    if (forbidden) throw invalid(forbidden, 'chosen by the relay; leave it out');
    if (this.#endpoints.size >= this.#maxEndpoints) {
      throw new RelayError(
        'RELAY_ERR_TOO_MANY_WEBHOOKS',
        `the relay has ${this.#endpoints.size} webhook endpoints, its limit (webhooks.maxEndpoints)`,
      );
    }
    const id = `wh_${randomBytes(9).toString('base64url')}`;
    const createdAt = new Date().toISOString();
    const checked = checkWebhookEndpoint(
      { ...body, id, secret: newWebhookSecret() },
      { origin: 'api', createdAt, allowPrivateNetworks: this.#allowPrivateNetworks },
    );
    if (!checked.ok) {
      if (checked.refused)
        throw invalid(checked.field, checked.problem, 'RELAY_ERR_WEBHOOK_DESTINATION_REFUSED');
      throw invalid(checked.field, checked.problem);
    }
    const { matches: _m, origin: _o, createdAt: _c, botId: _b, ...spec } = checked.endpoint;
    this.#store.addEndpoint(spec, createdAt);
    this.#endpoints.set(id, checked.endpoint);
    this.#reindex();
    return checked.endpoint;
  }

  /** Removes an endpoint added over the API, with its queue; config endpoints are read-only. */
  remove(id: string): void {
    const endpoint = this.get(id);
    if (endpoint.origin === 'config') {
      throw new RelayError(
        'RELAY_ERR_WEBHOOK_READ_ONLY',
        `webhook endpoint "${id}" is declared in the config file; remove it there`,
      );
    }
    this.#store.removeEndpoint(id);
    this.#endpoints.delete(id);
    this.#reindex();
  }

  #reindex(): void {
    this.#byRoom.clear();
    for (const endpoint of this.#endpoints.values()) {
      for (const room of endpoint.rooms) {
        const list = this.#byRoom.get(room);
        if (list) list.push(endpoint);
        else this.#byRoom.set(room, [endpoint]);
      }
    }
  }
}

function invalid(
  field: string,
  problem: string,
  code: 'RELAY_ERR_INVALID_WEBHOOK' | 'RELAY_ERR_WEBHOOK_DESTINATION_REFUSED' = 'RELAY_ERR_INVALID_WEBHOOK',
): RequestFieldError {
  return new RequestFieldError(code, field, problem);
}

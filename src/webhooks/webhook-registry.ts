import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { RequestFieldError } from '../http/request-field-error.js';
import { RelayError } from '../relay/relay-error.js';
import type { WebhookDirectory } from './webhook-directory.js';
import { checkWebhookEndpoint, type WebhookEndpoint, type WebhookEndpointSpec } from './webhook-endpoint.js';
import { newWebhookSecret } from './webhook-signature.js';
import type { WebhookStore } from './webhook-store.js';

/**
 * The endpoints of a relay, from its config file and its directory, indexed by room: what the publish
 * path asks for each message is one map lookup, and a message in a room no endpoint watches costs nothing
 * more. The directory's endpoints are copied here (and listed again whenever it says they changed), so
 * the publish path never waits for a shared directory.
 */
export class WebhookRegistry {
  readonly #configured = new Map<string, WebhookEndpoint>();
  readonly #endpoints = new Map<string, WebhookEndpoint>();
  readonly #byRoom = new Map<string, WebhookEndpoint[]>();
  readonly #store: WebhookStore;
  readonly #directory: WebhookDirectory;
  readonly #log: Logger;
  readonly #maxEndpoints: number;
  readonly #allowPrivateNetworks: boolean;
  readonly #stopFollowing: () => void;
  // A shared directory's endpoints are copied into this node's store too (see HubWebhookDirectory).
  readonly #mirror: boolean;
  // Bumped by every change made here: a listing started before one is stale and is taken again.
  #version = 0;
  #reloading: Promise<void> | undefined;
  #reloadAgain = false;
  #reloadFailing = false;
  readonly #refused = new Set<string>();

  constructor(options: {
    readonly store: WebhookStore;
    readonly directory: WebhookDirectory;
    readonly logger: Logger;
    readonly configured: readonly WebhookEndpoint[];
    /**
     * The directory's endpoints when it is this node's store (read at once); without it, the directory is
     * a shared one, listed by `reload()`, and what it lists is copied into the store.
     */
    readonly initial?: readonly { spec: unknown; createdAt: string }[];
    readonly maxEndpoints: number;
    readonly allowPrivateNetworks: boolean;
  }) {
    this.#store = options.store;
    this.#directory = options.directory;
    this.#log = options.logger;
    this.#maxEndpoints = options.maxEndpoints;
    this.#allowPrivateNetworks = options.allowPrivateNetworks;
    for (const endpoint of options.configured) this.#configured.set(endpoint.id, endpoint);
    this.#mirror = options.initial === undefined;
    // A shared directory's endpoints are known once it is listed: until then, nothing is dropped.
    this.#replace(options.initial ?? [], options.initial !== undefined);
    this.#stopFollowing = this.#directory.follow(() => void this.reload());
  }

  /** The endpoints watching `room`, or undefined: the publish path's one lookup. */
  watching(room: string): readonly WebhookEndpoint[] | undefined {
    return this.#byRoom.get(room);
  }

  /** Whether endpoint `id` is registered. */
  has(id: string): boolean {
    return this.#endpoints.has(id);
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
   * keeps it in the directory. Returns it with its secret, shown this once.
   */
  async add(body: unknown): Promise<WebhookEndpoint> {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw invalid('body', 'expected an object { url, rooms, trigger, name? }');
    }
    const forbidden = ['id', 'secret'].find((key) => key in body);
    if (forbidden) throw invalid(forbidden, 'chosen by the relay; leave it out');
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
    // A bad body is a 400 whatever the count, as for schedules. This check answers at once on this
    // node; the directory's counts every node's adds.
    if (this.#endpoints.size >= this.#maxEndpoints) throw tooMany(this.#maxEndpoints);
    const kept = await this.#directory.put(
      { spec: specOf(checked.endpoint), createdAt },
      this.#maxEndpoints - this.#configured.size,
    );
    if (!kept) throw tooMany(this.#maxEndpoints);
    this.#version += 1;
    if (this.#mirror) this.#store.addEndpoint(specOf(checked.endpoint), createdAt);
    this.#endpoints.set(id, checked.endpoint);
    this.#reindex();
    return checked.endpoint;
  }

  /** Removes an endpoint added over the API, with its queue; config endpoints are read-only. */
  async remove(id: string): Promise<void> {
    const endpoint = this.get(id);
    if (endpoint.origin === 'config') {
      throw new RelayError(
        'RELAY_ERR_WEBHOOK_READ_ONLY',
        `webhook endpoint "${id}" is declared in the config file; remove it there`,
      );
    }
    await this.#directory.remove(id);
    this.#version += 1;
    this.#forget(id);
    this.#reindex();
  }

  /**
   * Lists the directory's endpoints again: those added elsewhere appear, those removed elsewhere go (with
   * this node's queue for them). Calls while one runs are coalesced into one more. Never rejects: a
   * directory that cannot be read (Redis away) is logged once, and the next change or reconnection
   * lists again.
   */
  reload(): Promise<void> {
    if (this.#reloading) {
      this.#reloadAgain = true;
      return this.#reloading;
    }
    this.#reloading = this.#reloadLoop().finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  /** Stops following the directory. Idempotent. */
  close(): void {
    this.#stopFollowing();
  }

  async #reloadLoop(): Promise<void> {
    do {
      this.#reloadAgain = false;
      const version = this.#version;
      try {
        const listed = await this.#directory.list();
        if (version !== this.#version) this.#reloadAgain = true;
        else this.#replace(listed, true);
        if (this.#reloadFailing) this.#log.info('webhook endpoints listed again');
        this.#reloadFailing = false;
      } catch (error) {
        if (!this.#reloadFailing)
          this.#log.warn({ err: (error as Error).message }, 'webhook endpoints could not be listed');
        this.#reloadFailing = true;
        return;
      }
    } while (this.#reloadAgain);
  }

  // The config file's endpoints, then the directory's (checked again: the entry may be older than this
  // RelayKit). allowPrivateNetworks is not applied to stored URLs here; the guard at connect time still
  // refuses them.
  // `complete`: the listing is the directory's whole content, so the deliveries of endpoints it lacks
  // can go.
  #replace(listed: readonly { spec: unknown; createdAt: string }[], complete: boolean): void {
    const next = new Map(this.#configured);
    // Ids the directory holds, usable or not: an entry this RelayKit refuses is not an endpoint that is
    // gone, and its deliveries are kept for a version that reads it.
    const held = new Set<string>();
    for (const { spec, createdAt } of listed) {
      const id = (spec as { id?: unknown } | null)?.id;
      if (typeof id === 'string') held.add(id);
      const checked = checkWebhookEndpoint(spec, { origin: 'api', createdAt, allowPrivateNetworks: true });
      if (checked.ok && !next.has(checked.endpoint.id)) next.set(checked.endpoint.id, checked.endpoint);
      else if (!checked.ok) this.#refusedOnce(id, checked.problem);
    }
    for (const id of this.#endpoints.keys()) if (!next.has(id)) this.#forget(id);
    const before = new Map(this.#endpoints);
    this.#endpoints.clear();
    for (const [id, endpoint] of next) {
      this.#endpoints.set(id, endpoint);
      // Every change anywhere lists them all again: the copy is written only for what it lacks.
      if (this.#mirror && endpoint.origin === 'api' && !sameSpec(before.get(id), endpoint))
        this.#store.addEndpoint(specOf(endpoint), endpoint.createdAt);
    }
    this.#reindex();
    if (complete) this.#dropOrphans(held);
  }

  // A stored endpoint this RelayKit cannot use: said once per id, since every change lists them again.
  #refusedOnce(id: unknown, problem: string): void {
    const key = String(id);
    if (this.#refused.has(key) || this.#refused.size >= 1000) return;
    this.#refused.add(key);
    this.#log.warn({ endpoint: key, problem }, 'stored webhook endpoint not used: this relay refuses it');
  }

  #dropOrphans(held: ReadonlySet<string>): void {
    const dropped = this.#store.dropDeliveriesExcept(new Set([...this.#endpoints.keys(), ...held]));
    if (dropped.size === 0) return;
    this.#log.warn(
      { endpoints: Object.fromEntries(dropped) },
      'dropped the queued and dead deliveries of webhook endpoints that no longer exist',
    );
  }

  // Its deliveries waiting on this node go with it: from the store here, unless the store is the
  // directory, which removed them already.
  #forget(id: string): void {
    if (this.#mirror) this.#store.removeEndpoint(id);
    this.#endpoints.delete(id);
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

const sameSpec = (a: WebhookEndpoint | undefined, b: WebhookEndpoint) =>
  a !== undefined && a.createdAt === b.createdAt && JSON.stringify(specOf(a)) === JSON.stringify(specOf(b));

function specOf(endpoint: WebhookEndpoint): WebhookEndpointSpec {
  const { matches: _m, origin: _o, createdAt: _c, botId: _b, ...spec } = endpoint;
  return spec;
}

function invalid(
  field: string,
  problem: string,
  code: 'RELAY_ERR_INVALID_WEBHOOK' | 'RELAY_ERR_WEBHOOK_DESTINATION_REFUSED' = 'RELAY_ERR_INVALID_WEBHOOK',
): RequestFieldError {
  return new RequestFieldError(code, field, problem);
}

// The count may be every node's (the shared directory refused), so the limit is what is said.
const tooMany = (limit: number) =>
  new RelayError(
    'RELAY_ERR_TOO_MANY_WEBHOOKS',
    `the relay has its limit of ${limit} webhook endpoints (webhooks.maxEndpoints), config file and API together`,
  );

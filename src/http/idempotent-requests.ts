import { hash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { RelayError } from '../relay/relay-error.js';
import { authenticatedToken } from './authenticate-bearer.js';
import type { IdempotencyStore, StoredAnswer } from './idempotency-store.js';
import { RequestFieldError } from './request-field-error.js';

/** An HTTP answer a handler produced. */
export interface Answer {
  readonly status: number;
  readonly body: unknown;
  /**
   * `false`: a success not to replay (a scheduled run whose publish was refused), so that a retry with
   * the same key does the work again. Other 2xx answers are remembered; refusals never are.
   */
  readonly keep?: boolean;
}

const KEY = /^[\x21-\x7e]{1,255}$/;
// How long a claim on a key of a shared store lasts (see IdempotencyStore.claim): the node running the
// request extends it every fifth of that while it runs, so only a node that died (or lost its store for
// four fifths of a claim, four extensions in a row) lets it expire.
const CLAIM_MS = 5000;
const EXTENSIONS_PER_CLAIM = 5;
// A node waiting for another's answer asks again after 20 ms, then less and less often, for at most
// 25 s: a request still running then (a hung job) is answered RELAY_ERR_IDEMPOTENCY_KEY_IN_FLIGHT. Under
// the 30 s and 60 s that proxies and load balancers commonly allow a response, so the client gets that
// answer (and its Retry-After) rather than the proxy's 504.
const FIRST_POLL_MS = 20;
const MAX_POLL_MS = 250;
const MAX_WAIT_MS = 25_000;

/**
 * Runs requests that carry an `Idempotency-Key` at most once per key: a retry within the window gets the
 * first answer again (`replayed: true`) and its work does not run. Only successful answers are kept, so a
 * refused request can be retried with the same key. Requests with the same key on this node wait for
 * each other, so two concurrent retries cannot both run.
 *
 * @example
 * ```ts
 * const answer = await requests.run('ci', req.get('idempotency-key'), fingerprint, () => publish());
 * ```
 */
export class IdempotentRequests {
  readonly #store: IdempotencyStore;
  readonly #windowMs: number;
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #log: Logger | undefined;
  readonly #claimMs: number;
  readonly #maxWaitMs: number;

  /**
   * `claimMs`: how long a claim on a shared store lasts unless extended (default 5 s); `maxWaitMs`: how
   * long a request waits for another node's run of the same one (default 25 s). Tests shorten both.
   */
  constructor(options: {
    store: IdempotencyStore;
    windowMs: number;
    logger?: Logger;
    claimMs?: number;
    maxWaitMs?: number;
  }) {
    this.#store = options.store;
    this.#windowMs = options.windowMs;
    this.#log = options.logger;
    this.#claimMs = options.claimMs ?? CLAIM_MS;
    this.#maxWaitMs = options.maxWaitMs ?? MAX_WAIT_MS;
  }

  /**
   * {@link run} for a route of the API: scoped by the request's token, its `Idempotency-Key` header, and
   * a fingerprint of its method, route and body; a replayed answer gets `Idempotent-Replayed: true`.
   * The caller sends the answer (with any header it derives from the body, such as `Location`).
   *
   * @example
   * ```ts
   * const { status, body } = await idempotent.respond(req, res, async () => ({ status: 200, body: await runNow() }));
   * res.status(status).json(body);
   * ```
   */
  async respond(
    req: Request,
    res: Response,
    produce: () => Answer | Promise<Answer>,
  ): Promise<Answer & { replayed: boolean }> {
    const key = req.get('idempotency-key');
    // Without a key there is nothing to compare a retry with: skip re-serialising and hashing the body.
    const print = key === undefined ? '' : fingerprint(req);
    const result = await this.run(authenticatedToken(res)?.name ?? '', key, print, produce);
    if (result.replayed) res.set('Idempotent-Replayed', 'true');
    return result;
  }

  /**
   * `produce()` once per (`scope`, `key`); without a key, every time. Throws a 400 naming the
   * `Idempotency-Key` header when the key is malformed, and `RELAY_ERR_IDEMPOTENCY_KEY_REUSED` when the
   * key was used for a request with another `fingerprint`.
   */
  run(
    scope: string,
    key: string | undefined,
    fingerprint: string,
    produce: () => Answer | Promise<Answer>,
  ): Promise<Answer & { replayed: boolean }> {
    if (key === undefined)
      return Promise.resolve(produce()).then((answer) => ({ ...answer, replayed: false }));
    if (!KEY.test(key)) {
      return Promise.reject(
        new RequestFieldError(
          'RELAY_ERR_INVALID_REQUEST',
          'Idempotency-Key',
          'must be 1 to 255 visible ASCII characters',
        ),
      );
    }
    // Scoped by token: one client can neither read nor block another's keys.
    const storeKey = `${scope}\n${key}`;
    const previous = this.#queues.get(storeKey) ?? Promise.resolve();
    const current = previous.then(() => this.#attempt(storeKey, fingerprint, produce));
    const settled = current.then(
      () => undefined,
      () => undefined,
    );
    this.#queues.set(storeKey, settled);
    void settled.then(() => {
      if (this.#queues.get(storeKey) === settled) this.#queues.delete(storeKey);
    });
    return current;
  }

  async #attempt(
    storeKey: string,
    fingerprint: string,
    produce: () => Answer | Promise<Answer>,
  ): Promise<Answer & { replayed: boolean }> {
    const stored = (await this.#store.get(storeKey)) ?? (await this.#claimOrWait(storeKey));
    if (stored !== 'claimed') {
      if (stored.fingerprint !== fingerprint) {
        throw new RequestFieldError(
          'RELAY_ERR_IDEMPOTENCY_KEY_REUSED',
          'Idempotency-Key',
          'was already used for a different request',
        );
      }
      return { status: stored.status, body: stored.body, replayed: true };
    }
    let answer: Answer;
    const extending = this.#keepClaim(storeKey);
    try {
      answer = await produce();
    } catch (error) {
      clearInterval(extending);
      await this.#release(storeKey);
      throw error;
    }
    clearInterval(extending);
    // The messages are out: a store that fails now (Redis away) must not turn them into a 500, which the
    // client would retry and so publish twice. The answer stands; only the replay protection is lost.
    try {
      if (answer.status >= 200 && answer.status < 300 && answer.keep !== false) {
        const entry: StoredAnswer = { fingerprint, status: answer.status, body: answer.body };
        await this.#store.set(storeKey, entry, this.#windowMs);
      } else {
        await this.#store.release?.(storeKey);
      }
    } catch (error) {
      this.#log?.error(
        { err: error, key: storeKey },
        'idempotency store failed; answer sent without replay protection',
      );
    }
    return { ...answer, replayed: false };
  }

  // A refused request gives its key back. A store that cannot (Redis away) lets the claim expire by itself
  // within CLAIM_MS; the request's own error stays the answer, not the store's.
  async #release(storeKey: string): Promise<void> {
    try {
      await this.#store.release?.(storeKey);
    } catch {
      // Expires by itself; the outage is logged where the Redis connection is watched.
    }
  }

  // With a store shared by several nodes: claims the key, or, while another node runs the same request,
  // waits for its answer, however long that request runs (its node keeps the claim), and runs it here if
  // that request fails (the key is given back) or its node dies (the claim expires). 'claimed' also
  // stands for a store of one process, which has no claims: this node's queue orders its requests.
  async #claimOrWait(storeKey: string): Promise<StoredAnswer | 'claimed'> {
    const store = this.#store;
    if (!store.claim || (await store.claim(storeKey, this.#claimMs))) return 'claimed';
    const deadline = Date.now() + this.#maxWaitMs;
    for (let pollMs = FIRST_POLL_MS; Date.now() < deadline; pollMs = Math.min(pollMs * 2, MAX_POLL_MS)) {
      await delay(pollMs);
      const stored = await store.get(storeKey);
      if (stored) return stored;
      if (await store.claim(storeKey, this.#claimMs)) return 'claimed';
    }
    throw new RelayError(
      'RELAY_ERR_IDEMPOTENCY_KEY_IN_FLIGHT',
      `another node has run the request with this Idempotency-Key for ${Math.round(this.#maxWaitMs / 1000)} s and still runs it`,
    );
  }

  // Extends this node's claim while its request runs; a failed extension is retried at the next tick, a
  // fifth of a claim later (Redis away for longer: the claim may expire, and a retry elsewhere run the
  // request as well).
  #keepClaim(storeKey: string): ReturnType<typeof setInterval> | undefined {
    const { extend } = this.#store;
    if (!this.#store.claim || !extend) return undefined;
    const timer = setInterval(() => {
      // A store's extend that throws at once must not throw inside the timer.
      Promise.resolve()
        .then(() => extend.call(this.#store, storeKey, this.#claimMs))
        .catch(() => {});
    }, this.#claimMs / EXTENSIONS_PER_CLAIM);
    timer.unref();
    return timer;
  }
}

// What makes two requests "the same" for an Idempotency-Key: method, route and body, as Express read
// them: the route's pattern and parameters, not the path as written (routing ignores case and a trailing
// slash), and the body's JSON with its object keys in order (it is parsed, so spacing never counted).
function fingerprint(req: Request): string {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  const path =
    typeof route === 'string'
      ? `${req.baseUrl.toLowerCase()}${route} ${JSON.stringify(req.params)}`
      : `${req.baseUrl}${req.path}`;
  return hash('sha256', `${req.method} ${path}\n${JSON.stringify(sortedKeys(req.body))}`, 'base64url');
}

// A copy of a parsed JSON value whose objects list their keys in order; the depth is the body parser's.
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (value === null || typeof value !== 'object') return value;
  // No prototype: a "__proto__" key of the body is then a key like any other, not a setter.
  const sorted: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(value).sort())
    sorted[key] = sortedKeys((value as Record<string, unknown>)[key]);
  return sorted;
}

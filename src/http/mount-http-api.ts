import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Express } from 'express';
import { type RequestHandler, Router } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { RateLimit } from '../relay/connection.js';
import type { HostGuard } from '../relay/create-host-guard.js';
import type { Relay } from '../relay/relay.js';
import { RelayError } from '../relay/relay-error.js';
import type { RelayIo } from '../relay/relay-io.js';
import type { Readiness, RelayLifecycle } from '../relay/relay-lifecycle.js';
import { TokenBucket } from '../relay/token-bucket.js';
import { apiCors } from './api-cors.js';
import { type ApiMiddleware, createApiMiddleware } from './api-middleware.js';
import { authenticateBearer } from './authenticate-bearer.js';
import type { IdempotencyStore } from './idempotency-store.js';
import { IdempotentRequests } from './idempotent-requests.js';
import { membersRouter } from './members-router.js';
import { MemoryIdempotencyStore } from './memory-idempotency-store.js';
import { messagesRouter } from './messages-router.js';
import { notFound } from './not-found.js';
import { operationsRouter } from './operations-router.js';
import { type ApiToken, type ApiTokenEntry, parseApiTokens } from './parse-api-tokens.js';
import { problemHandler } from './problem-handler.js';
import { rateLimitPerToken } from './rate-limit-per-token.js';
import { refuseLargeBody } from './refuse-large-body.js';
import { createRelayMetrics, type RelayMetrics } from './relay-metrics.js';

/** The relay's HTTP API, for features that add routes to it. */
export interface HttpApi {
  /**
   * The `/v1` router, behind security headers, CORS, the shutdown check, a refusal of any body declared
   * over `api.bodyLimitBytes`, bearer authentication and the per-token rate limit (every request takes one
   * token); errors become problems and unknown routes 404s. Add routes with {@link requireScope} and
   * {@link jsonBody}, and describe them in src/http/openapi.yaml.
   */
  readonly v1: Router;
  /** The tokens in force: the configured ones, or the generated admin token. */
  readonly tokens: readonly ApiToken[];
  readonly metrics: RelayMetrics;
  /**
   * Runs a route's work once per `Idempotency-Key` (see {@link IdempotentRequests.respond}): the publish
   * routes use it, and so may any route whose retry would do its work twice.
   */
  readonly idempotent: IdempotentRequests;
  /** The API's authentication and problem answers, for routes outside `/v1` (see {@link ApiMiddleware}). */
  readonly middleware: ApiMiddleware;
}

/** What the HTTP API reads of the relay's settings; the config file's `RelayConfig` is one. */
export interface HttpApiSettings {
  /** Browser origins allowed to call the API (CORS). */
  readonly origins: readonly string[];
  readonly maxContentBytes: number;
  readonly api: {
    readonly tokens: readonly ApiTokenEntry[];
    readonly bodyLimitBytes: number;
    readonly maxBatch: number;
    readonly rateLimit: RateLimit | false;
    readonly idempotencyWindowMs: number;
    readonly idempotencyMaxEntries: number;
  };
  /** Refusals are logged by the client the proxy forwarded for (`X-Forwarded-For`), not the proxy. */
  readonly trustProxy?: boolean;
}

/** What mounting the HTTP API needs of the relay. */
export interface HttpApiDeps {
  readonly app: Express;
  readonly relay: Relay;
  /** For the metrics of connected sockets. */
  readonly io: RelayIo;
  readonly lifecycle: RelayLifecycle;
  readonly logger: Logger;
  /** The relay's registry: `/metrics` serves it, features' metrics included. */
  readonly metricsRegistry: Registry;
  /** Same-origin counts only on a host the relay answers (see createHostGuard). */
  readonly hostGuard: HostGuard;
  /** What `/readyz` answers. */
  readonly checkReadiness: () => Readiness;
  readonly settings: HttpApiSettings;
  /** Where idempotent answers are kept; default: this process's memory (bounded by `api.*` settings). */
  readonly idempotencyStore?: IdempotencyStore;
  /** What `/metrics` answers when it is not this relay's registry alone (the workers of `--workers`). */
  readonly scrapeMetrics?: () => Promise<string>;
}

const OPERATION_PATHS = ['/healthz', '/readyz', '/metrics', '/openapi.json'];

/**
 * Mounts the HTTP API on the relay's Express app: `POST /v1/messages`, `POST /v1/messages/batch`,
 * `/healthz`, `/readyz`, `/metrics` and `/openapi.json`. Tokens come from `api.tokens`; with none, a
 * random admin token is made and logged once at warn level, so the API is never open. Throws a
 * `ConfigError` naming a bad token entry.
 *
 * @example
 * ```ts
 * const api = mountHttpApi({ app, relay, io, lifecycle: server, logger, metricsRegistry, hostGuard, checkReadiness, settings: config });
 * api.v1.get('/schedules', requireScope('admin'), listSchedules);
 * ```
 */
export function mountHttpApi(deps: HttpApiDeps): HttpApi {
  const { app, relay, lifecycle, settings: config } = deps;
  const log = deps.logger.child({ part: 'http' });
  const tokens = effectiveTokens(config.api.tokens, log);
  const limits = config.api.rateLimit;
  const limiters = new Map(tokens.map((token) => [token.name, limits ? new TokenBucket(limits) : undefined]));
  const idempotent = new IdempotentRequests({
    store:
      deps.idempotencyStore ?? new MemoryIdempotencyStore({ maxEntries: config.api.idempotencyMaxEntries }),
    windowMs: config.api.idempotencyWindowMs,
    logger: log,
  });
  const metrics = createRelayMetrics({ ...deps, logger: log });
  lifecycle.onClose(() => metrics.close());

  // JSON only here: nothing to run, frame or embed. The web page sets its own policy.
  const headers = fixedHeaders(
    helmet({
      contentSecurityPolicy: {
        useDefaults: false,
        directives: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
      },
    }),
  );
  const refuseWhileClosing: RequestHandler = (_req, _res, next) => {
    next(
      lifecycle.closing ? new RelayError('RELAY_ERR_SHUTTING_DOWN', 'the relay is shutting down') : undefined,
    );
  };

  const v1 = Router();
  v1.use(messagesRouter({ relay, idempotent, settings: config }));
  v1.use(membersRouter({ io: deps.io }));

  app.use(metrics.countRequests);
  // The API before the operations routes: its requests, the busiest, then skip their layers.
  app.use(
    '/v1',
    headers,
    apiCors(config.origins, deps.hostGuard),
    refuseWhileClosing,
    // Before authentication: a body declared too large is refused on its header, whoever sends it.
    refuseLargeBody(config.api.bodyLimitBytes),
    authenticateBearer(tokens),
    // One limit for every route of a token, those features add to v1 included.
    rateLimitPerToken({ relay, limiterOf: (token) => limiters.get(token.name) }),
    v1,
    notFound,
  );
  app.use(OPERATION_PATHS, headers);
  app.use(
    operationsRouter(
      {
        lifecycle,
        checkReadiness: deps.checkReadiness,
        logger: log,
        ...(deps.scrapeMetrics ? { scrapeMetrics: deps.scrapeMetrics } : {}),
      },
      metrics,
    ),
  );
  // Another method on an operations path (POST /healthz) is a 404 problem, not Express's HTML page.
  app.use(OPERATION_PATHS, notFound);
  const problems = problemHandler(log, { trustProxy: config.trustProxy ?? false });
  app.use(['/v1', ...OPERATION_PATHS], problems);
  lifecycle.onClose(() => problems.close());
  return { v1, tokens, metrics, idempotent, middleware: createApiMiddleware({ tokens, problems }) };
}

// helmet's headers here depend on nothing in the request (no CSP directive is a function), so they are
// worked out once, by running helmet against a recorder, and each response gets them in one call.
function fixedHeaders(middleware: ReturnType<typeof helmet>): RequestHandler {
  const set = new Map<string, string>();
  const removed: string[] = [];
  let ran = false;
  const recorder = {
    setHeader: (name: string, value: string) => set.set(name, value),
    removeHeader: (name: string) => removed.push(name),
  };
  middleware({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
    ran = true;
  });
  if (!ran) throw new Error('helmet did not set its headers synchronously');
  return (_req, res, next) => {
    res.setHeaders(set);
    for (const name of removed) res.removeHeader(name);
    next();
  };
}

function effectiveTokens(entries: readonly ApiTokenEntry[], log: Logger): ApiToken[] {
  const configured = parseApiTokens(entries);
  if (configured.length > 0) return configured;
  const secret = randomBytes(24).toString('base64url');
  log.warn(
    { apiToken: 'admin' },
    `HTTP API: no api.tokens configured, so this run generated the admin token ${secret} ` +
      `(send "Authorization: Bearer ${secret}"); it changes at every start, set RELAY_API_TOKENS=name:secret:publish to choose your own`,
  );
  return [{ name: 'admin', secret, scopes: ['admin'] }];
}

import { type Request, Router } from 'express';
import { jsonBody } from '../http/json-body.js';
import type { components } from '../http/openapi-types.js';
import { requireScope } from '../http/require-scope.js';
import { forwardedPrefix } from '../relay/forwarded-request.js';
import type { WebhookDispatcher } from './webhook-dispatcher.js';
import { describeEndpoint } from './webhook-endpoint.js';
import type { WebhookRegistry } from './webhook-registry.js';
import type { WebhookStore } from './webhook-store.js';

const MAX_DEAD_LETTERS_LISTED = 100;

type Schemas = components['schemas'];

/**
 * The webhook routes of the HTTP API (under `/v1`, `admin` scope): `GET|POST /webhooks`,
 * `GET|DELETE /webhooks/{id}`, `POST /webhooks/{id}/test`, `GET /webhooks/{id}/dead-letters` and
 * `POST /webhooks/{id}/dead-letters/replay`. Errors become problems through the API's problem handler.
 */
export function webhookRoutes(deps: {
  readonly registry: WebhookRegistry;
  readonly dispatcher: WebhookDispatcher;
  readonly store: WebhookStore;
  readonly bodyLimitBytes: number;
  /** `Location` then keeps the path prefix the proxy says the caller used (X-Forwarded-Prefix). */
  readonly trustProxy?: boolean;
}): Router {
  const { registry, dispatcher, store } = deps;
  const router = Router();
  const admin = requireScope('admin');
  const endpointOf = (req: Request) => registry.get(String(req.params.id));
  const withQueue = (endpoint: ReturnType<WebhookRegistry['get']>): Schemas['Webhook'] => {
    const depths = store.depthsOf(endpoint.id);
    const count = (state: string) => depths.get(state) ?? 0;
    return {
      ...describeEndpoint(endpoint),
      queued: count('pending') + count('sending'),
      deadLetters: count('dead'),
    };
  };

  router.get('/webhooks', admin, (_req, res) => {
    const body: Schemas['WebhookList'] = { webhooks: registry.list().map(withQueue) };
    res.json(body);
  });

  router.post('/webhooks', admin, ...jsonBody(deps.bodyLimitBytes), async (req, res) => {
    const endpoint = await registry.add(req.body);
    res
      .status(201)
      .location(
        `${forwardedPrefix(req.headers, deps.trustProxy ?? false)}${req.baseUrl}/webhooks/${encodeURIComponent(endpoint.id)}`,
      )
      .json({
        ...describeEndpoint(endpoint),
        origin: 'api',
        secret: endpoint.secret,
      } satisfies Schemas['WebhookCreated']);
  });

  router.get('/webhooks/:id', admin, (req, res) => {
    res.json(withQueue(endpointOf(req)));
  });

  router.delete('/webhooks/:id', admin, async (req, res) => {
    await registry.remove(String(req.params.id));
    res.status(204).end();
  });

  router.post('/webhooks/:id/test', admin, async (req, res) => {
    const result = await dispatcher.test(endpointOf(req));
    res.json({
      delivered: result.outcome === 'delivered',
      ...(result.status === undefined ? {} : { status: result.status }),
      ...(result.outcome === 'delivered' ? {} : { error: result.error }),
    });
  });

  router.get('/webhooks/:id/dead-letters', admin, (req, res) => {
    const endpoint = endpointOf(req);
    const body: Schemas['DeadLetterList'] = {
      deadLetters: store.deadLetters(endpoint.id, MAX_DEAD_LETTERS_LISTED).map((delivery) => ({
        id: delivery.id,
        messageId: delivery.messageId,
        attempts: delivery.attempts,
        lastError: delivery.lastError ?? '',
        createdAt: delivery.createdAt,
      })),
    };
    res.json(body);
  });

  router.post('/webhooks/:id/dead-letters/replay', admin, (req, res) => {
    const body: Schemas['ReplayResult'] = { replayed: dispatcher.replay(endpointOf(req).id) };
    res.json(body);
  });

  return router;
}

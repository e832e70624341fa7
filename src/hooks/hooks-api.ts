import { type Request, Router } from 'express';
import { jsonBody } from '../http/json-body.js';
import type { components } from '../http/openapi-types.js';
import { RequestFieldError } from '../http/request-field-error.js';
import { requireScope } from '../http/require-scope.js';
import { forwardedHost, forwardedPrefix, forwardedProto } from '../relay/forwarded-request.js';
import type { Hook } from './hook.js';
import type { HookMetrics } from './hook-metrics.js';
import type { HookRegistry, IssuedHook } from './hook-registry.js';
import { checkNewHook } from './hook-spec.js';

type HookSummary = components['schemas']['Hook'];
type HookList = components['schemas']['HookList'];
type HookIssued = components['schemas']['HookIssued'];

/**
 * The hook routes of the HTTP API (under `/v1`, `admin` scope): `GET /hooks` (never a secret),
 * `POST /hooks` (201 with the hook's URL, shown this once), `POST /hooks/{id}/rotate` and
 * `DELETE /hooks/{id}`.
 *
 * @example
 * ```ts
 * api.v1.use(hooksApi({ hooks, metrics, settings: config }));
 * ```
 */
export function hooksApi(deps: {
  readonly hooks: HookRegistry;
  readonly metrics: HookMetrics;
  /** `trustProxy`: the URLs handed out name the host and scheme the proxy says the caller used. */
  readonly settings: { readonly api: { readonly bodyLimitBytes: number }; readonly trustProxy?: boolean };
}): Router {
  const { hooks, metrics } = deps;
  const trustProxy = deps.settings.trustProxy ?? false;
  const router = Router();
  const admin = requireScope('admin');

  router.get('/hooks', admin, async (_req, res) => {
    const body: HookList = { hooks: (await hooks.list()).map(summary) };
    res.json(body);
  });

  router.post('/hooks', admin, ...jsonBody(deps.settings.api.bodyLimitBytes), async (req, res) => {
    const checked = checkNewHook(req.body);
    if (!checked.ok) throw new RequestFieldError('RELAY_ERR_INVALID_REQUEST', checked.field, checked.problem);
    res.status(201).json(issued(req, await hooks.create(checked.value), trustProxy));
  });

  router.post('/hooks/:id/rotate', admin, async (req, res) => {
    res.json(issued(req, await hooks.rotate(String(req.params.id)), trustProxy));
  });

  router.delete('/hooks/:id', admin, async (req, res) => {
    const id = String(req.params.id);
    await hooks.remove(id);
    metrics.forget(id);
    res.status(204).end();
  });

  return router;
}

function summary(hook: Hook): HookSummary {
  return {
    id: hook.id,
    name: hook.name,
    room: hook.room,
    format: hook.format,
    allowChannel: hook.allowChannel,
    ...(hook.template === undefined ? {} : { template: hook.template }),
    declared: hook.declared,
    createdAt: hook.createdAt,
  };
}

// The URL as the caller reached the relay: behind a proxy, the Host it forwarded, or with trustProxy its
// X-Forwarded-Host, -Proto and -Prefix (see docs/hooks.md).
function issued(req: Request, { hook, key }: IssuedHook, trustProxy: boolean): HookIssued {
  const proto = forwardedProto(req.headers, trustProxy) ?? req.protocol;
  const host = forwardedHost(req.headers, trustProxy) ?? 'localhost';
  const base = `${proto}://${host}${forwardedPrefix(req.headers, trustProxy)}`;
  const signed = hook.signingSecret !== undefined;
  return {
    ...summary(hook),
    url: `${base}/hooks/${signed ? hook.id : key}`,
    secret: key,
  };
}

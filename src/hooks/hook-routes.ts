import { type NextFunction, type Request, type Response, Router } from 'express';
import type { Logger } from 'pino';
import { sendProblem } from '../http/send-problem.js';
import type { RateLimit } from '../relay/connection.js';
import type { Sender } from '../relay/events.js';
import type { Relay } from '../relay/relay.js';
import { RelayError } from '../relay/relay-error.js';
import { TokenBuckets } from '../relay/token-bucket.js';
import { deliveryFormat, renderDelivery } from './formats/render-delivery.js';
import type { RenderContext } from './formats/rendered.js';
import type { Hook } from './hook.js';
import { type HookMetrics, UNKNOWN_HOOK } from './hook-metrics.js';
import type { HookRegistry } from './hook-registry.js';
import { parseHookBody, readHookBody } from './read-hook-body.js';
import { SeenDeliveries } from './seen-deliveries.js';
import { verifyGithubSignature } from './verify-signature.js';

/** What the delivery route reads of the relay's settings. */
export interface HookRouteSettings {
  readonly maxContentBytes: number;
  readonly hooks: {
    readonly bodyLimitBytes: number;
    readonly rateLimit: RateLimit | false;
    readonly replayWindowMs: number;
  };
}

// Slack's own answers to a bad delivery, which Slack-compatible senders show to their users.
const SLACK_ERRORS: Partial<Record<RelayError['code'], string>> = {
  RELAY_ERR_HOOK_NOT_FOUND: 'no_service',
  RELAY_ERR_HOOK_PAYLOAD: 'invalid_payload',
  RELAY_ERR_MALFORMED_JSON: 'invalid_payload',
  RELAY_ERR_UNSUPPORTED_MEDIA_TYPE: 'invalid_payload',
  RELAY_ERR_BODY_TOO_LARGE: 'payload_too_large',
  RELAY_ERR_RATE_LIMITED: 'rate_limited',
};

const UNKNOWN_SENDER: Sender = { id: UNKNOWN_HOOK, name: 'unknown hook', kind: 'http' };

/**
 * `POST /hooks/{key}` (the URL carries the hook's key) and `POST /hooks/{id}` (a GitHub hook, signed):
 * reads the delivery in the hook's format and publishes one announcement through the relay, as
 * `from: { id: hook id, name: hook name, kind: 'http' }`. Every delivery takes one token of its hook's
 * bucket before its body is read. A refusal publishes nothing, is counted per hook and reason, and is
 * logged once per episode of the hook's refusals; Slack-format hooks answer as Slack does (`ok`, or
 * `invalid_payload` in text/plain), the others with problem+json.
 */
export function hookRoutes(deps: {
  readonly relay: Relay;
  /** For RelayKit's own failures; refusals are logged by the relay, once per episode. */
  readonly logger: Logger;
  readonly hooks: HookRegistry;
  readonly metrics: HookMetrics;
  readonly settings: HookRouteSettings;
}): Router {
  const { relay, hooks, metrics } = deps;
  const log = deps.logger.child({ part: 'hooks' });
  const { maxContentBytes } = deps.settings;
  const { bodyLimitBytes, rateLimit, replayWindowMs } = deps.settings.hooks;
  // By hook id; hooks deleted over the API leave full buckets, which are forgotten.
  const buckets = rateLimit ? new TokenBuckets(rateLimit) : undefined;
  const seen = new SeenDeliveries({ windowMs: replayWindowMs });
  const bucketOf = (hook: Hook) => buckets?.get(hook.id);

  const router = Router();
  router.post('/hooks/:key', async (req, res) => {
    // Answers are data for a program, never a page to render or keep.
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Cache-Control': 'no-store' });
    const key = String(req.params.key);
    // By key, or by id for a hook that signs its deliveries: the id is public, the signature is the proof.
    let hook: Hook | undefined;
    let from: Sender = UNKNOWN_SENDER;
    let reported = false;
    let id = '';
    try {
      hook = (await hooks.byKey(key)) ?? signedById(await hooks.byId(key));
      if (!hook) throw new RelayError('RELAY_ERR_HOOK_NOT_FOUND', 'no hook has this URL');
      from = { id: hook.id, name: hook.name, kind: 'http' };
      const limited = (current: Hook) => {
        const bucket = bucketOf(current);
        if (!bucket || bucket.take()) return;
        res.set('Retry-After', String(Math.max(1, Math.ceil(bucket.msUntilNext() / 1000))));
        throw new RelayError('RELAY_ERR_RATE_LIMITED', `hook "${current.id}" is over its rate limit`);
      };
      // A signed hook's URL holds only its public id: anyone could drain its bucket, and GitHub does not
      // retry a refused delivery, so only deliveries that prove the secret take a token (each costs at
      // most a body of bodyLimitBytes and one HMAC). A key is the credential itself: checked first.
      if (hook.signingSecret === undefined) limited(hook);
      const body = await readHookBody(req, res, bodyLimitBytes);
      // A signed delivery is known by its signature, an HMAC of its body (71 characters once verified):
      // GitHub's X-GitHub-Delivery id is not signed, so a replay could change it, or leave it out.
      let delivery: string | undefined;
      if (hook.signingSecret !== undefined) {
        delivery = verifyGithubSignature(body.raw, req.get('x-hub-signature-256'), hook.signingSecret);
        // A replay proves the secret too (it was captured): refused before it costs the bucket.
        if (seen.has(hook.id, delivery)) {
          const id = (req.get('x-github-delivery') ?? '').slice(0, 64);
          throw new RelayError(
            'RELAY_ERR_HOOK_REPLAYED',
            `this signed delivery${id === '' ? '' : ` (${id})`} was already accepted`,
          );
        }
        limited(hook);
      }
      // Only now, for a signed hook: a delivery that does not prove the secret is never parsed.
      const parsed = parseHookBody(body);
      const context: RenderContext = { hook, header: (name) => req.get(name), maxContentBytes };
      const format = deliveryFormat(hook.format, parsed, context);
      const rendered = renderDelivery(format, parsed, context);
      if (rendered.kind === 'answer') {
        metrics.accepted(hook.id);
        res.status(200).type('text/plain').send(rendered.text);
        return;
      }
      reported = true; // from here, the relay logs and counts its own refusals
      // Claimed before publishing, so that the same delivery posted twice at once is published once.
      if (delivery) seen.add(hook.id, delivery);
      try {
        const published = relay.publish(rendered.content, {
          from: rendered.name ? { ...from, name: rendered.name } : from,
          room: rendered.room ?? hook.room,
        });
        await published.committed;
        id = published.id;
      } catch (error) {
        if (delivery) seen.delete(hook.id, delivery);
        throw error;
      }
      metrics.accepted(hook.id);
      if (format === 'slack') res.status(200).type('text/plain').send('ok');
      else res.status(200).json({ ok: true, id });
    } catch (error) {
      const relayError = RelayError.from(error, 'the delivery could not be read');
      metrics.refused(hook?.id ?? UNKNOWN_HOOK, relayError.code);
      if (relayError.code === 'RELAY_ERR_INTERNAL')
        log.error({ err: error, hook: hook?.id }, 'webhook delivery failed');
      else if (!reported) relay.reportRejected(relayError, from);
      answerRefusal(req, res, relayError, hook?.format === 'slack');
    }
  });
  // A hook takes deliveries by POST; another method gets a problem, not Express's HTML 404 page.
  router.all('/hooks/:key', (req, res) => {
    const path = req.originalUrl.split('?')[0];
    answerRefusal(
      req,
      res,
      new RelayError('RELAY_ERR_NOT_FOUND', `no route ${req.method} ${path}: hooks take POST`),
      false,
    );
  });
  // `/hooks` itself, and paths under it that no hook URL has (`/hooks/a/b`).
  router.use('/hooks', (req, res) => {
    const path = req.originalUrl.split('?')[0];
    answerRefusal(
      req,
      res,
      new RelayError(
        'RELAY_ERR_NOT_FOUND',
        `no route ${req.method} ${path}: a hook's URL is /hooks/<its id>`,
      ),
      false,
    );
  });
  // Express refuses a URL whose key is not valid percent-encoding before the route runs (a URIError,
  // which its default handler answers with an HTML stack trace): no hook has such a key.
  router.use('/hooks', (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!(error instanceof URIError)) {
      next(error);
      return;
    }
    const notFound = new RelayError('RELAY_ERR_HOOK_NOT_FOUND', 'no hook has this URL');
    metrics.refused(UNKNOWN_HOOK, notFound.code);
    relay.reportRejected(notFound, UNKNOWN_SENDER);
    answerRefusal(req, res, notFound, false);
  });
  return router;
}

function signedById(hook: Hook | undefined): Hook | undefined {
  return hook?.signingSecret === undefined ? undefined : hook;
}

function answerRefusal(req: Request, res: Response, error: RelayError, slack: boolean): void {
  if (res.headersSent) return;
  if (error.code === 'RELAY_ERR_BODY_TOO_LARGE') res.set('Connection', 'close');
  // As the API answers them: a node reconnects to Redis within about 2 s; a closing one is gone.
  if (error.code === 'RELAY_ERR_NOT_READY') res.set('Retry-After', '2');
  if (error.code === 'RELAY_ERR_SHUTTING_DOWN') res.set({ 'Retry-After': '5', Connection: 'close' });
  if (slack) {
    res
      .status(error.status)
      .type('text/plain')
      .send(SLACK_ERRORS[error.code] ?? error.code.toLowerCase());
    return;
  }
  sendProblem(req, res, error);
}

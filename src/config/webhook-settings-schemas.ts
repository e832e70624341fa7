import { z } from 'zod';
import { rateLimitSchema } from './rate-limit-schema.js';

// The settings of webhooks, both ways: incoming hooks (announcements from Alertmanager, GitHub, Slack-style
// senders; docs/hooks.md) and outgoing webhooks (bots in any language; docs/webhooks.md). Part of
// relayConfigSchema (relay-config-schema.ts).

// Incoming webhooks' defaults (see docs/hooks.md): a webhook body may be large (an Alertmanager group).
const HOOKS_DEFAULTS = {
  store: '.relaykit/hooks.db',
  bodyLimitBytes: 1_048_576,
  rateLimit: { burst: 30, perSecond: 2 },
  replayWindowMs: 86_400_000,
};

// Outgoing webhooks' defaults: their queue's file, each attempt's limits, retries (1 s doubling up to
// 5 minutes, 8 attempts: the 7 waits add up to 64–127 s with jitter, as a chat answer much later than
// that would be out of place; dead letters can be replayed) and how much one endpoint may hold.
const WEBHOOK_DEFAULTS = {
  store: '.relaykit/webhooks.db',
  allowPrivateNetworks: false,
  timeoutMs: 5000,
  maxAttempts: 8,
  retryBaseMs: 1000,
  retryMaxMs: 300_000,
  concurrency: 4,
  maxResponseBytes: 65_536,
  maxQueued: 10_000,
  maxDeadLetters: 1000,
  maxEndpoints: 100,
  endpoints: [] as unknown[],
};

/** The `hooks` setting: incoming webhooks. */
export const hooksSettingSchema = z
  .object({
    store: z
      .string()
      .min(1)
      .default(HOOKS_DEFAULTS.store)
      .describe(
        'SQLite file of the hooks added over the HTTP API, relative to the working directory; :memory: keeps nothing',
      ),
    bodyLimitBytes: z
      .int()
      .min(1024)
      .max(16_777_216)
      .default(HOOKS_DEFAULTS.bodyLimitBytes)
      .describe('largest webhook delivery body, in bytes'),
    /** Per-hook token bucket for deliveries; `false` turns it off. */
    rateLimit: rateLimitSchema(HOOKS_DEFAULTS.rateLimit, {
      burst: 'webhook deliveries a hook may take at once',
      perSecond: 'webhook deliveries a second a hook may take in the long run',
    }),
    replayWindowMs: z
      .int()
      .min(1000)
      .default(HOOKS_DEFAULTS.replayWindowMs)
      .describe('how long a delivery id (GitHub X-GitHub-Delivery) is remembered to refuse its replay (ms)'),
    /** Hooks of the config file (config file only: `readonly` keeps it out of flags); see docs/hooks.md. */
    declared: z.array(z.unknown()).readonly().default([]),
  })
  .strict()
  .default({ ...HOOKS_DEFAULTS, declared: [] });

/** The `webhooks` setting: outgoing webhooks. */
export const webhooksSettingSchema = z
  .object({
    store: z
      .string()
      .min(1)
      .default(WEBHOOK_DEFAULTS.store)
      .describe(
        'SQLite file of webhook endpoints added over the API and of the delivery queue; :memory: keeps nothing',
      ),
    allowPrivateNetworks: z
      .boolean()
      .default(WEBHOOK_DEFAULTS.allowPrivateNetworks)
      .describe('let webhooks call private, loopback and link-local addresses (off: refused, against SSRF)'),
    timeoutMs: z
      .int()
      .min(100)
      .max(60_000)
      .default(WEBHOOK_DEFAULTS.timeoutMs)
      .describe('how long one webhook attempt may take, answer included, before it is retried (ms)'),
    maxAttempts: z
      .int()
      .min(1)
      .max(50)
      .default(WEBHOOK_DEFAULTS.maxAttempts)
      .describe('attempts of a webhook delivery before it is dead-lettered'),
    retryBaseMs: z
      .int()
      .min(1)
      .max(3_600_000)
      .default(WEBHOOK_DEFAULTS.retryBaseMs)
      .describe('wait before the first retry (ms); it doubles at each retry, with jitter'),
    retryMaxMs: z
      .int()
      .min(1)
      .max(86_400_000)
      .default(WEBHOOK_DEFAULTS.retryMaxMs)
      .describe('longest wait between two attempts of a webhook delivery (ms)'),
    concurrency: z
      .int()
      .min(1)
      .max(100)
      .default(WEBHOOK_DEFAULTS.concurrency)
      .describe('webhook attempts in flight at once per endpoint; the rest wait in the queue'),
    maxResponseBytes: z
      .int()
      .min(1024)
      .max(1_048_576)
      .default(WEBHOOK_DEFAULTS.maxResponseBytes)
      .describe('largest webhook answer read, in bytes; a larger one is cut off and ignored'),
    maxQueued: z
      .int()
      .min(1)
      .max(1_000_000)
      .default(WEBHOOK_DEFAULTS.maxQueued)
      .describe(
        'most deliveries queued per webhook endpoint; past it new messages for it are dropped and counted',
      ),
    maxDeadLetters: z
      .int()
      .min(1)
      .max(1_000_000)
      .default(WEBHOOK_DEFAULTS.maxDeadLetters)
      .describe(
        'most dead letters kept per webhook endpoint; past it the oldest are deleted, so an endpoint refusing every message cannot fill the disk',
      ),
    maxEndpoints: z
      .int()
      .min(1)
      .max(10_000)
      .default(WEBHOOK_DEFAULTS.maxEndpoints)
      .describe('most webhook endpoints, config file and API together; past it RELAY_ERR_TOO_MANY_WEBHOOKS'),
    /** Endpoints from the config file (`{ id, name?, url, rooms, trigger, secret }`); config file only. */
    endpoints: z.array(z.unknown()).readonly().default([]),
  })
  .strict()
  .default(WEBHOOK_DEFAULTS);

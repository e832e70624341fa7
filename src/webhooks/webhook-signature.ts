import { createHmac, randomBytes } from 'node:crypto';

/** The Standard Webhooks headers of one delivery attempt. */
export interface WebhookSignatureHeaders {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
}

/** A new endpoint secret in the Standard Webhooks form: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Whether `secret` has the `whsec_<base64>` form, with at least 16 bytes of key. */
export function isWebhookSecret(secret: unknown): secret is string {
  if (typeof secret !== 'string' || !secret.startsWith('whsec_')) return false;
  const key = secret.slice('whsec_'.length);
  return /^[A-Za-z0-9+/]+={0,2}$/.test(key) && Buffer.from(key, 'base64').length >= 16;
}

/**
 * Signs `body` per the Standard Webhooks specification: `webhook-signature` is `v1,` and the base64
 * HMAC-SHA256, keyed by the secret's decoded bytes, of `<id>.<timestamp>.<body>`; the timestamp is in
 * whole seconds since the epoch. Receivers recompute it and compare, and refuse stale timestamps.
 *
 * @example
 * ```ts
 * const headers = signWebhook({ secret: newWebhookSecret(), id: 'msg_1', timestamp: new Date(), body: '{}' });
 * ```
 */
export function signWebhook(options: {
  readonly secret: string;
  readonly id: string;
  readonly timestamp: Date;
  readonly body: string;
}): WebhookSignatureHeaders {
  const seconds = Math.floor(options.timestamp.getTime() / 1000).toString();
  const key = Buffer.from(options.secret.slice('whsec_'.length), 'base64');
  const digest = createHmac('sha256', key)
    .update(`${options.id}.${seconds}.${options.body}`)
    .digest('base64');
  return { 'webhook-id': options.id, 'webhook-timestamp': seconds, 'webhook-signature': `v1,${digest}` };
}

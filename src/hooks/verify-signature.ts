import { createHmac, timingSafeEqual } from 'node:crypto';
import { RelayError } from '../relay/relay-error.js';

/**
 * Checks GitHub's `X-Hub-Signature-256: sha256=<hex>` over the raw body with the hook's secret, in
 * constant time. Throws 401 `RELAY_ERR_HOOK_SIGNATURE` when the header is missing or does not match;
 * answers the signature as `sha256=<lower-case hex>`, which names the delivery (replays send it again).
 *
 * @example
 * ```ts
 * verifyGithubSignature(rawBody, req.get('x-hub-signature-256'), hook.signingSecret);
 * ```
 */
export function verifyGithubSignature(body: Buffer, header: string | undefined, secret: string): string {
  if (!header) {
    throw new RelayError('RELAY_ERR_HOOK_SIGNATURE', 'the X-Hub-Signature-256 header is missing');
  }
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header.trim().toLowerCase());
  // timingSafeEqual needs equal lengths; a wrong length is already a mismatch and says nothing of the secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new RelayError('RELAY_ERR_HOOK_SIGNATURE', 'X-Hub-Signature-256 does not match the body');
  }
  return expected.toString();
}

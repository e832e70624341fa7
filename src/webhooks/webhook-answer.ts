import type { Relay } from '../relay/relay.js';
import { RelayError } from '../relay/relay-error.js';
import { type TokenBucket, TokenBuckets } from '../relay/token-bucket.js';
import type { AttemptResult } from './post-webhook.js';
import type { WebhookEndpoint } from './webhook-endpoint.js';

/** What a delivered attempt's answer asks for: content to publish, nothing, or why it was ignored. */
export type WebhookAnswer =
  | { readonly kind: 'reply'; readonly content: unknown }
  | { readonly kind: 'none' }
  | { readonly kind: 'ignored'; readonly reason: 'garbage' | 'too-large' };

/** How an answer ended, for metrics. */
export type AnswerOutcome = 'published' | 'refused' | 'garbage' | 'too-large';

/**
 * Reads the answer of a 2xx: `{ "text": "…" }` or `{ "content": … }` is a reply (the relay checks the
 * content when it publishes it), an empty body is none, anything else is garbage.
 */
export function readWebhookAnswer(result: AttemptResult & { outcome: 'delivered' }): WebhookAnswer {
  if (result.ignored) return { kind: 'ignored', reason: result.ignored };
  const answer = result.answer;
  if (answer === undefined) return { kind: 'none' };
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    return { kind: 'ignored', reason: 'garbage' };
  }
  const fields = answer as Record<string, unknown>;
  const content = typeof fields.text === 'string' ? fields.text : fields.content;
  return content === undefined ? { kind: 'ignored', reason: 'garbage' } : { kind: 'reply', content };
}

/**
 * Publishes endpoints' answers as their bots: in the message's room, `causedBy` the message and one hop
 * further, so the relay's loop limit ends two webhook bots answering each other; each endpoint has its
 * own `botRateLimit` bucket.
 */
export class WebhookAnswers {
  readonly #relay: Pick<Relay, 'publish'>;
  readonly #limiters: TokenBuckets | undefined;

  constructor(relay: Pick<Relay, 'publish'>, rateLimit: { burst: number; perSecond: number } | false) {
    this.#relay = relay;
    this.#limiters = rateLimit === false ? undefined : new TokenBuckets(rateLimit);
  }

  /** Drops the rate-limit bucket of an endpoint that is gone. */
  forget(endpointId: string): void {
    this.#limiters?.delete(endpointId);
  }

  /** Publishes what `result` answers to the message of `delivery`; returns how it went, or undefined for no answer. */
  publish(
    endpoint: WebhookEndpoint,
    delivery: { readonly room: string | null; readonly messageId: string; readonly hops: number },
    result: AttemptResult & { outcome: 'delivered' },
  ): AnswerOutcome | undefined {
    const answer = readWebhookAnswer(result);
    if (answer.kind === 'none') return undefined;
    if (answer.kind === 'ignored') return answer.reason;
    try {
      this.#relay.publish(answer.content, {
        from: { kind: 'bot', name: endpoint.name, id: endpoint.botId },
        room: delivery.room,
        causedBy: delivery.messageId,
        hops: delivery.hops + 1,
        ...this.#limiterOf(endpoint),
      });
      return 'published';
    } catch (error) {
      // The relay logged the refusal (once per episode) and counted it by code.
      if (!(error instanceof RelayError)) throw error;
      return 'refused';
    }
  }

  #limiterOf(endpoint: WebhookEndpoint): { limiter?: TokenBucket } {
    return this.#limiters === undefined ? {} : { limiter: this.#limiters.get(endpoint.id) };
  }
}

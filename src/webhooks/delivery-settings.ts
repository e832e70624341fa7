import type { AnswerOutcome } from './webhook-answer.js';

/** How deliveries are attempted and retried (the `webhooks.*` settings). */
export interface DeliverySettings {
  readonly allowPrivateNetworks: boolean;
  readonly timeoutMs: number;
  readonly maxAttempts: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly concurrency: number;
  readonly maxResponseBytes: number;
  readonly maxQueued: number;
  readonly maxDeadLetters: number;
}

/** What the dispatcher reports, for metrics. */
export interface DeliveryListener {
  delivery?(
    endpointId: string,
    outcome: 'ok' | 'failed' | 'dead-lettered' | 'dead-letter-deleted' | 'dropped',
  ): void;
  answer?(endpointId: string, outcome: AnswerOutcome): void;
}

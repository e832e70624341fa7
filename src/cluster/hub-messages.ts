import type { StoredAnswer } from '../http/idempotency-store.js';
import type { StoredWebhook } from '../webhooks/webhook-directory.js';
import type { SharedJob } from './shared-job.js';

/**
 * One end of the IPC channel between a worker of `relay serve --workers` and its primary: in a worker,
 * `cluster.worker`; in the primary, one worker. Messages of other packages (`@socket.io/sticky`, the
 * cluster adapter) share it; the hub's carry {@link HUB_SOURCE}.
 */
export interface HubChannel {
  send(message: HubMessage): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/** Marks RelayKit's own messages on the channel. */
export const HUB_SOURCE = 'relaykit:hub';

/** What a worker asks its primary, with what each answers. */
export interface HubCalls {
  /** Takes a cron slot of a job: true for the first worker only (see SlotClaim). */
  claimSlot: { args: [key: string, ttlMs: number]; result: boolean };
  idempotencyGet: { args: [key: string]; result: StoredAnswer | null };
  idempotencySet: { args: [key: string, answer: StoredAnswer, ttlMs: number]; result: null };
  idempotencyClaim: { args: [key: string, ttlMs: number]; result: boolean };
  /** Keeps a claim taken and not expired `ttlMs` more, as PEXPIRE does. */
  idempotencyExtend: { args: [key: string, ttlMs: number]; result: null };
  idempotencyRelease: { args: [key: string]; result: null };
  /** Every shared job the primary knows, by id. */
  jobs: { args: []; result: Record<string, SharedJob> };
  /** Records a job change and tells the other workers (`force`: also when the id is known). */
  shareJob: { args: [id: string, shared: SharedJob, force: boolean]; result: null };
  /** Every outgoing-webhook endpoint added over the API, by id. */
  webhooks: { args: []; result: Record<string, StoredWebhook> };
  /**
   * Records an endpoint (`null`: removed) and tells the other workers; `ifUnknown`: only when the primary
   * knows nothing of that id (neither the endpoint nor its removal); `limit`: a new endpoint only while
   * the primary has fewer. Answers whether it recorded it.
   */
  shareWebhook: {
    args: [id: string, webhook: StoredWebhook | null, ifUnknown: boolean, limit?: number];
    result: boolean;
  };
  /** Every worker's metrics, gathered and aggregated by the primary: what `/metrics` answers (text). */
  metrics: { args: []; result: string };
}

export type HubOp = keyof HubCalls;

/** The messages of the hub, both ways. */
export type HubMessage =
  | { source: typeof HUB_SOURCE; kind: 'call'; id: number; op: HubOp; args: unknown[] }
  | { source: typeof HUB_SOURCE; kind: 'reply'; id: number; result?: unknown; error?: string }
  | { source: typeof HUB_SOURCE; kind: 'job'; id: string; shared: SharedJob }
  | { source: typeof HUB_SOURCE; kind: 'webhooks' }
  // The primary asks a worker for its registry (`getMetricsAsJSON()`), which it reports under that id.
  | { source: typeof HUB_SOURCE; kind: 'metricsAsk'; id: number }
  | { source: typeof HUB_SOURCE; kind: 'metricsReport'; id: number; metrics?: unknown; error?: string }
  | { source: typeof HUB_SOURCE; kind: 'ready' }
  | { source: typeof HUB_SOURCE; kind: 'stop'; signal: 'SIGINT' | 'SIGTERM' };

/** True for a message of the hub (anything else on the channel is another package's). */
export function isHubMessage(message: unknown): message is HubMessage {
  return (
    typeof message === 'object' && message !== null && (message as { source?: unknown }).source === HUB_SOURCE
  );
}

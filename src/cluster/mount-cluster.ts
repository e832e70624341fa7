import { createAdapter } from '@socket.io/redis-streams-adapter';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { HookDirectory } from '../hooks/hook-directory.js';
import type { IdempotencyStore } from '../http/idempotency-store.js';
import { hideUserinfo } from '../relay/hide-userinfo.js';
import type { Relay } from '../relay/relay.js';
import type { RelayIo } from '../relay/relay-io.js';
import type { ReadinessCheck, RelayLifecycle } from '../relay/relay-lifecycle.js';
import type { Scheduler } from '../schedule/scheduler.js';
import type { WebhookDirectory } from '../webhooks/webhook-directory.js';
import { adapterRedisClient, type CountingAdapter, steadyServerCount } from './adapter-redis-client.js';
import { persistSessionsEagerly } from './persist-sessions-eagerly.js';
import { RedisHookDirectory } from './redis-hook-directory.js';
import { RedisIdempotencyStore } from './redis-idempotency-store.js';
import { type RedisLink, RedisLinks } from './redis-links.js';
import { redisSlotClaim } from './redis-slot-claim.js';
import { RedisWebhookDirectory } from './redis-webhook-directory.js';
import { shareRuntimeJobs } from './share-runtime-jobs.js';
import { type StreamsAdapter, streamCommitter } from './stream-committer.js';
import { watchRedisHealth } from './watch-redis-health.js';

const SESSION_PREFIX = 'relaykit:session:';
const STREAM = 'relaykit:messages';
// The stream is also the replay log of recovery: about the last 10 000 broadcasts.
const STREAM_MAX_LEN = 10_000;

/** What making a relay one node of a cluster needs of it. */
export interface ClusterDeps {
  readonly io: RelayIo;
  readonly relay: Pick<Relay, 'commitWith'>;
  readonly lifecycle: RelayLifecycle;
  readonly addReadinessCheck: (name: string, check: ReadinessCheck) => void;
  readonly metricsRegistry: Registry;
  readonly logger: Logger;
  /** The node's scheduler: runtime jobs are shared with every node, and each slot runs on one. */
  readonly scheduler: Scheduler;
  readonly settings: { readonly redisUrl: string; readonly recoveryWindowMs: number };
}

/** What a node shares with its cluster, for the features that need it. */
export interface RedisCluster {
  /** Idempotent HTTP answers, shared so that a retry on another node is not published twice. */
  readonly idempotencyStore: IdempotencyStore;
  /** Incoming webhooks, shared so that a hook added, rotated or deleted on one node is so on all. */
  readonly hookDirectory: HookDirectory;
  /** Outgoing-webhook endpoints, shared so that one added or removed on a node is so on every node. */
  readonly webhookDirectory: WebhookDirectory;
  /** The node's main Redis client, for features that keep shared state (the history); closed last. */
  readonly redis: RedisLink;
}

/**
 * Makes a relay one node of a cluster: socket.io's Redis Streams adapter carries every broadcast (rooms
 * included) to the other nodes and keeps connection-state-recovery sessions in Redis, so a client that
 * drops can recover on any node; an ack waits until its message is in the stream; runtime jobs are shared
 * and each cron slot runs on the one node that claims it. Closes the Redis connections after the sockets
 * (their sessions are persisted as they close).
 *
 * Why the Streams adapter rather than the pub/sub one: RelayKit enables connection state recovery by
 * default, which only the Streams adapter supports across nodes; and a Redis blip does not lose
 * broadcasts: each node resumes reading the stream where it stopped.
 *
 * @example
 * ```ts
 * const cluster = mountCluster({ io, relay, lifecycle: server, addReadinessCheck, metricsRegistry, logger, scheduler, settings: config });
 * mountHttpApi(server, { idempotencyStore: cluster.idempotencyStore });
 * ```
 */
export function mountCluster(deps: ClusterDeps): RedisCluster {
  const { io, lifecycle, settings } = deps;
  const log = deps.logger.child({ part: 'cluster', redis: hideUserinfo(settings.redisUrl) });
  const links = new RedisLinks({ url: settings.redisUrl, logger: log });
  const health = watchRedisHealth(links, { ...deps, log });
  // The adapter's writes are refused while Redis is away rather than queued until it is back.
  const adapterClient = adapterRedisClient(links.client, health.failed);
  io.adapter(
    createAdapter(adapterClient, {
      streamName: STREAM,
      channelPrefix: 'relaykit',
      sessionKeyPrefix: SESSION_PREFIX,
      maxLen: STREAM_MAX_LEN,
      // A blocking read holds a connection this long; short enough that closing never waits for it.
      blockTimeInMs: 1000,
    }),
  );
  links.connect().catch((error: unknown) => log.error({ err: error }, 'Redis connection failed'));
  // An ack means the message is in the stream: publishes wait for Redis, or are refused (NOT_READY).
  const adapter = io.of('/').adapter as unknown as StreamsAdapter;
  steadyServerCount(adapter as unknown as CountingAdapter, links.client);
  const committer = streamCommitter(adapter, links.client, {
    stream: STREAM,
    maxLen: STREAM_MAX_LEN,
    log,
    onFailure: health.countFailure,
  });
  deps.relay.commitWith(committer);
  persistSessionsEagerly(
    { io, lifecycle, recoveryWindowMs: settings.recoveryWindowMs },
    {
      deleteSession: (pid) => adapterClient.del(`${SESSION_PREFIX}${pid}`),
      onBack: (listener) => links.onBack(listener),
    },
  );
  // Runtime jobs (added over HTTP) and pauses reach every node, so a job outlives the node that got it;
  // every node has every job, and each cron slot runs on the node that claims it in Redis.
  shareRuntimeJobs({ lifecycle, scheduler: deps.scheduler }, links, log);
  deps.scheduler.coordinate(redisSlotClaim(links.client));
  // After the sockets: closing sockets persist their recovery sessions through the main client.
  lifecycle.onClose(() => links.close());
  // Runs before it (hooks run in reverse): what the closing sockets broadcast waits for no reader.
  lifecycle.onClose(() => committer.close());
  return {
    idempotencyStore: new RedisIdempotencyStore(links.client),
    hookDirectory: new RedisHookDirectory(links.client),
    webhookDirectory: new RedisWebhookDirectory(links, log),
    redis: links.client,
  };
}

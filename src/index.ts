/**
 * RelayKit's public API. Everything not exported here is internal and may change.
 * @packageDocumentation
 */
export type {
  BotContext,
  BotEvents,
  BotJob,
  BotMessage,
  BotSendTarget,
  BotTimer,
  CommandInfo,
  CommandMessage,
  CommandSpec,
  HeardMessage,
  SendResult,
} from './bots/bot-context.js';
export { BotHost, type BotHostOptions, type BotStatus, type PluginFailure } from './bots/bot-host.js';
export { type BotScheduler, cronBotScheduler } from './bots/bot-scheduler.js';
export { BotStore } from './bots/bot-store.js';
export {
  type BotTestbed,
  type BotTestbedOptions,
  createBotTestbed,
  type ReceivedMessage,
  type TestbedUser,
} from './bots/create-bot-testbed.js';
export { type BotDefinition, defineBot } from './bots/define-bot.js';
export { listPluginFiles } from './bots/list-plugin-files.js';
export { loadPlugin } from './bots/load-plugin.js';
export { ManualBotScheduler } from './bots/manual-bot-scheduler.js';
export { mountRedisAdapter, type RedisCluster } from './cluster/mount-redis-adapter.js';
export { type IdempotencyRedis, RedisIdempotencyStore } from './cluster/redis-idempotency-store.js';
export { RedisLinks, type RedisLinksState } from './cluster/redis-links.js';
export { ConfigError } from './config/config-error.js';
export { parseRelayConfig } from './config/parse-relay-config.js';
export type { RelayConfig, RelayConfigInput } from './config/relay-config-schema.js';
export type { IdempotencyStore, StoredAnswer } from './http/idempotency-store.js';
export type { HttpApi } from './http/mount-http-api.js';
export type { components as ApiComponents, paths as ApiPaths } from './http/openapi-types.js';
export type { ApiScope, ApiToken } from './http/parse-api-tokens.js';
export { requireScope } from './http/require-scope.js';
export type { Problem } from './http/send-problem.js';
export { createLogger } from './relay/create-logger.js';
export { createRelayServer, type RelayServerOptions } from './relay/create-relay-server.js';
export type {
  BotSendOptions,
  ClientToServerEvents,
  InterServerEvents,
  JsonValue,
  MessageContent,
  MessageMeta,
  PresenceEvent,
  RoomAck,
  SendAck,
  Sender,
  SenderKind,
  ServerToClientEvents,
  SocketData,
  WireError,
} from './relay/events.js';
export type { PublishCommitter } from './relay/publish-committer.js';
export type { Published, PublishedBatch, PublishRequest } from './relay/published.js';
export type { Delivery, PublishObserver, PublishOptions, Relay, RelayIo } from './relay/relay.js';
export { RELAY_ERRORS, RelayError, type RelayErrorCode } from './relay/relay-error.js';
export type {
  ClosePhase,
  Readiness,
  ReadinessCheck,
  RelayAddress,
  RelayServer,
} from './relay/relay-server.js';
export { LOBBY } from './relay/room-name.js';
export { checkCron } from './schedule/check-cron.js';
export type { JobRun, RunReason } from './schedule/job-run.js';
export { nextRuns } from './schedule/next-runs.js';
export { redisSlotClaim, type SlotClaimRedis } from './schedule/redis-slot-claim.js';
export type { ScheduleSpec } from './schedule/schedule-spec.js';
export type { JobOrigin, ScheduleView } from './schedule/schedule-view.js';
export type { JobContext, JobHandler } from './schedule/scheduled-job.js';
export {
  Scheduler,
  type SchedulerEvents,
  type SchedulerOptions,
  type SkippedRun,
  type SlotClaim,
} from './schedule/scheduler.js';

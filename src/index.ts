/**
 * RelayKit's public API: what you write a relay, a bot or a test against. Everything not exported here
 * is internal and may change between versions. The client kit is `relaykit/client` (and
 * `relaykit/react`).
 *
 * @example
 * ```ts
 * // plugins/ping.ts: a bot the relay loads from its plugins folder
 * import { defineBot } from 'relaykit';
 *
 * export default defineBot({
 *   name: 'ping',
 *   description: 'Answers !ping with pong',
 *   setup(bot) {
 *     bot.command('ping', { description: 'answer pong' }, (msg) => msg.reply('pong'));
 *   },
 * });
 *
 * // server.ts: a relay with its chat page, history and the bots of plugins/
 * import { createRelayServer } from 'relaykit';
 *
 * const server = createRelayServer({ plugins: 'plugins' });
 * await server.listen();
 * ```
 * @packageDocumentation
 */

export type {
  BotContext,
  BotEvents,
  BotHistoryPage,
  BotJob,
  BotLimits,
  BotMembersPage,
  BotMessage,
  BotSendTarget,
  BotTimer,
  CommandInfo,
  CommandMessage,
  CommandSpec,
  HeardMessage,
  SendResult,
} from './bots/bot-context.js';
export { BotHost, type BotHostOptions } from './bots/bot-host.js';
export type { BotStatus, PluginFailure } from './bots/bot-host-report.js';
// Bots: plugins, running them against a relay elsewhere, and testing them.
export { type BotDefinition, defineBot } from './bots/define-bot.js';
export type { RelayConfig, RelayConfigInput } from './config/relay-config-schema.js';
export type { HookFormat } from './hooks/hook.js';
export type { HookContent, HookField } from './hooks/hook-content.js';
export type { ApiMiddleware } from './http/api-middleware.js';
export type { components as ApiComponents, paths as ApiPaths } from './http/openapi-types.js';
export type { ApiScope, ApiToken } from './http/parse-api-tokens.js';
// The HTTP API, for embedding it in an Express app and for typed clients.
export { requireScope } from './http/require-scope.js';
export type { Problem } from './http/send-problem.js';
// Identity: what an authenticator (jwt auth mode's, or your own with server.authenticateWith) vouches for.
export type { AuthenticationRequest, Authenticator, Identity } from './relay/authenticator.js';
export { ConfigError } from './relay/config-error.js';
export { createLogger } from './relay/create-logger.js';
// The wire contract: every socket event and its payloads.
export type {
  BotSendOptions,
  ClientToServerEvents,
  HistoryAck,
  HistoryRequest,
  JsonValue,
  Member,
  MembersAck,
  MembersRequest,
  MessageContent,
  MessageMeta,
  MessageRedactedEvent,
  MessageSender,
  PresenceEvent,
  RoomAck,
  SendAck,
  Sender,
  SenderKind,
  ServerToClientEvents,
  WireError,
} from './relay/events.js';
// Errors: one table of stable codes (docs/errors.md).
export { RelayError } from './relay/relay-error.js';
export { RELAY_ERRORS, type RelayErrorCode } from './relay/relay-errors.js';
export type {
  CloseHook,
  Readiness,
  ReadinessCheck,
  RelayAddress,
  RelayLifecycle,
} from './relay/relay-lifecycle.js';
export { LOBBY } from './relay/room-name.js';
export type { ScheduleSpec } from './schedule/schedule-spec.js';
// Schedules, as `server.scheduler` lists and runs them.
export type { JobOrigin, JobRun, RunReason, ScheduleView } from './schedule/schedule-types.js';
// Running a relay.
export { createRelayServer, type RelayServerOptions } from './server/create-relay-server.js';
export type { RelayServer } from './server/relay-server.js';
export {
  type BotTestbed,
  type BotTestbedOptions,
  createBotTestbed,
  type TestbedUserOptions,
} from './testing/create-bot-testbed.js';
export type { ReceivedMessage, TestbedUser } from './testing/testbed-user.js';

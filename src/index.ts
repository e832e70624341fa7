/**
 * RelayKit's public API. Everything not exported here is internal and may change.
 * @packageDocumentation
 */
export { ConfigError } from './config/config-error.js';
export { parseRelayConfig } from './config/parse-relay-config.js';
export type { RelayConfig, RelayConfigInput } from './config/relay-config-schema.js';
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
export type { Delivery, PublishObserver, PublishOptions, Relay, RelayIo } from './relay/relay.js';
export { RELAY_ERRORS, RelayError, type RelayErrorCode } from './relay/relay-error.js';
export type { ClosePhase, RelayAddress, RelayServer } from './relay/relay-server.js';
export { LOBBY } from './relay/room-name.js';

/**
 * RelayKit's client kit (`relaykit/client`): a typed relay client over socket.io-client, for browsers,
 * Node and React Native. React hooks are in `relaykit/react`.
 * @packageDocumentation
 */
export type {
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
} from '../relay/events.js';
export { RelayError } from '../relay/relay-error.js';
export type { RelayErrorCode } from '../relay/relay-errors.js';
export { createRelayClient, type RelayClientOptions } from './create-relay-client.js';
export type { UnfilledGap } from './gap-filler.js';
export { type ConnectionStatus, RelayClient, type RelayMessage, type RelaySocket } from './relay-client.js';
export type { RelayAuth, RelayClientSettings } from './relay-client-settings.js';

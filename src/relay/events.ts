/**
 * The wire contract: every socket event map of RelayKit, shared by the server, bots and the client kit.
 *
 * Seed clients only ever `emit('sendMessage', content)` and read the first argument of
 * `sendMessageFromBack`; everything else here is additive so those clients keep working unchanged.
 */

/** What a message carries: a non-empty string or a plain JSON object, delivered exactly as sent. */
export type MessageContent = string | { readonly [key: string]: JsonValue };

/** A JSON value, as content objects may nest them. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Who can produce a message. `system` is the relay itself (greetings). */
export type SenderKind = 'user' | 'bot' | 'http' | 'schedule' | 'system';

/** The author of a message. `id` is the socket id for users and bots, the token or job name otherwise. */
export interface Sender {
  readonly id: string;
  /**
   * Stable id of the author, the same on every connection and tab of one person: the token's `sub` in
   * `jwt` auth mode; `anon:<socket id>` in `anonymous` mode, where a name is only a claim and nothing
   * ties two connections together; `bot:<name>` for bots; `<kind>:<id>` for services (`http:ops`). Always
   * set on `meta.from`; a caller of `publish` may leave it out and gets `<kind>:<id>`.
   */
  readonly userId?: string;
  readonly name: string;
  readonly kind: SenderKind;
  /** The person's roles (`jwt` auth mode: the token's `roles` claim); absent when they have none. */
  readonly roles?: readonly string[];
}

/** A {@link Sender} as the relay sends it in `meta.from`: its `userId` is always there. */
export type MessageSender = Sender & { readonly userId: string };

/** Second argument of `sendMessageFromBack`: who sent the message, where, when, and its id. */
export interface MessageMeta {
  /**
   * Unique id of this message, also returned in the sender's ack: a UUIDv7, whose text sorts in the
   * order the relay accepted the messages (history cursors use it).
   */
  readonly id: string;
  readonly from: MessageSender;
  /** The room the message was published to; `null` for a relay-wide announcement. */
  readonly room: string | null;
  /** ISO 8601 time the relay accepted the message. */
  readonly at: string;
  /** Id of the message that caused this one (bots answering), if any. */
  readonly causedBy?: string;
  /** How many bot hops led to this message; 0 for a message from a person or a service. */
  readonly hops?: number;
  /**
   * Set on a private message: the `userId` it is addressed to. Only that user's connections get it (and
   * not bots); it is never kept in the history. `room` is then where it was asked for, for context.
   */
  readonly to?: string;
}

/** A stable error as sockets see it, in acks and in `relayError` events. */
export interface WireError {
  readonly code: string;
  readonly message: string;
  /** With `RELAY_ERR_RATE_LIMITED`: milliseconds until the next event is allowed. */
  readonly retryAfterMs?: number;
}

/** The answer to `sendMessage` when the client passed an ack callback. */
export type SendAck =
  | { readonly ok: true; readonly id: string }
  | { readonly ok: false; readonly error: WireError };

/** The answer to `join` and `leave`. */
export type RoomAck =
  | { readonly ok: true; readonly room: string }
  | { readonly ok: false; readonly error: WireError };

/**
 * Presence changes of people, by user: `join` when a user's first connection enters a room, `leave`
 * when their last one left it. Sent to bots, and to people's sockets that asked for them
 * (`watchPresence: true` in the handshake's `auth`), for their current room. See docs/presence.md.
 */
export interface PresenceEvent {
  readonly type: 'join' | 'leave';
  readonly user: Sender;
  readonly room: string;
  readonly at: string;
  /**
   * On a `join`: the person is coming back, not arriving — a reconnection socket.io could not recover
   * (after a relay restart, say) that said so in its handshake (`auth.resumed`, or socket.io's own
   * recovery `pid`). Bots that greet skip it; the `welcome` plugin does.
   */
  readonly resumed?: true;
}

/** Options a bot connection may attach to what it sends; ignored for people. */
export interface BotSendOptions {
  readonly room?: string | null;
  /** A private message to this `userId` (see {@link MessageMeta.to}). */
  readonly to?: string;
  readonly causedBy?: string;
  readonly hops?: number;
}

/**
 * What a `history` event asks for: the messages of `room` (default: the socket's room; relay-wide
 * announcements included) before or after a message id (one of them; neither: the newest), at most
 * `limit` (default 50, at most 200).
 */
export interface HistoryRequest {
  readonly room?: string;
  readonly before?: string;
  readonly after?: string;
  readonly limit?: number;
}

/**
 * The answer to `history`: messages oldest first, as `sendMessageFromBack` carried them; `more` when
 * further ones lie in the direction read (older without `after`, newer with it).
 */
export type HistoryAck =
  | {
      readonly ok: true;
      readonly messages: readonly { readonly content: MessageContent; readonly meta: MessageMeta }[];
      readonly more: boolean;
    }
  | { readonly ok: false; readonly error: WireError };

/** What a `members` request asks for: the people online in `room` (default: the socket's room). */
export interface MembersRequest {
  readonly room?: string;
}

/** One person online in a room: all their connections count once. */
export interface Member {
  readonly userId: string;
  readonly name: string;
  readonly kind: SenderKind;
}

/**
 * The answer to `members`: at most 500 people (by user id), sorted by name; `total` counts them all.
 * `partial`: a node of the cluster did not answer in time, so only this node's people are listed.
 */
export type MembersAck =
  | {
      readonly ok: true;
      readonly room: string;
      readonly members: readonly Member[];
      readonly total: number;
      readonly partial: boolean;
    }
  | { readonly ok: false; readonly error: WireError };

/** Sent to a room when an operator took one of its messages out of the history. */
export interface MessageRedactedEvent {
  readonly id: string;
  /** The room of the message; `null` for a relay-wide announcement (then sent to everyone). */
  readonly room: string | null;
}

/** Events clients send to the relay. */
export interface ClientToServerEvents {
  sendMessage: (content: MessageContent, ack?: (answer: SendAck) => void) => void;
  join: (room: string, ack?: (answer: RoomAck) => void) => void;
  leave: (ack?: (answer: RoomAck) => void) => void;
  /** Bot connections only: send to any room, with the cause of the message for loop prevention. */
  botMessage: (content: MessageContent, options: BotSendOptions, ack?: (answer: SendAck) => void) => void;
  /** Reads the kept history of a room the socket may read (any room; bots: name one). */
  history: (request: HistoryRequest, ack: (answer: HistoryAck) => void) => void;
  /** Who is online in a room the socket may read (bots: name one). */
  members: (request: MembersRequest, ack: (answer: MembersAck) => void) => void;
}

/** Events the relay sends to clients. */
export interface ServerToClientEvents {
  sendMessageFromBack: (content: MessageContent, meta: MessageMeta) => void;
  /** Sent when a client's input was refused and it gave no ack callback to report it through. */
  relayError: (error: WireError & { readonly event: string }) => void;
  presence: (event: PresenceEvent) => void;
  /** A message was redacted: clients showing it should remove it. */
  messageRedacted: (event: MessageRedactedEvent) => void;
}

/** Events between relay nodes (none of RelayKit's own; socket.io's adapters carry broadcasts). */
export type InterServerEvents = Record<string, never>;

/** Per-socket state kept by socket.io (and restored by connection state recovery). */
export interface SocketData {
  name: string;
  kind: SenderKind;
  /** See {@link Sender.userId}. */
  userId: string;
  room: string;
  /** The socket asked for the `presence` events of its room (`auth.watchPresence`). */
  watchPresence?: boolean;
  /** `jwt` auth mode: the token's roles, when it has any. */
  roles?: readonly string[];
  /** `jwt` auth mode: the room grants of the token (see room-grants.ts); absent: every room. */
  rooms?: readonly string[];
  /** `jwt` auth mode: when the token expires (ms since the epoch); the connection is closed then. */
  expiresAt?: number;
}

/** The relay's event names clients may send; anything else is refused as unknown. */
export const CLIENT_EVENTS: ReadonlySet<string> = new Set<keyof ClientToServerEvents>([
  'sendMessage',
  'join',
  'leave',
  'botMessage',
  'history',
  'members',
]);

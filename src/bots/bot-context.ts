import type { Logger } from 'pino';
import type { Member, MessageContent, MessageMeta, MessageSender, PresenceEvent } from '../relay/events.js';
import type { BotStore } from './bot-store.js';

/** What the relay answered to something a bot sent. */
export interface SendResult {
  /** The id the relay gave the message (its `meta.id`). */
  readonly id: string;
}

/** A page of a room's history, oldest first; `more` when older messages exist. */
export interface BotHistoryPage {
  readonly messages: readonly { readonly content: MessageContent; readonly meta: MessageMeta }[];
  readonly more: boolean;
}

/**
 * Who is online in a room, one entry per user, sorted by name (at most 500; `total` counts all);
 * `partial` when a node of the cluster did not answer and only one node's people are listed.
 */
export interface BotMembersPage {
  readonly members: readonly Member[];
  readonly total: number;
  readonly partial: boolean;
}

/** Where a bot sends a message. */
export interface BotSendTarget {
  /** Room name; `null` for every connected client. Default: the lobby. */
  readonly room?: string | null;
}

/** A message a bot heard, with the means to answer it. */
export interface BotMessage {
  readonly content: MessageContent;
  /** The text of the message: the content when it is a string, its `text` field when it is an object, else `''`. */
  readonly text: string;
  readonly meta: MessageMeta;
  /**
   * Who sent it: `from.userId` is stable across their connections (the token's `sub` in jwt auth mode),
   * `from.roles` their roles when they have any (jwt mode).
   */
  readonly from: MessageSender;
  /** The room it was said in; `null` for a relay-wide announcement. */
  readonly room: string | null;
  /** Aborted when the handler runs past the bot handler timeout: stop the work, the answer is dropped. */
  readonly signal: AbortSignal;
  /** Answers in the room the message came from (the lobby for a relay-wide announcement), with this message as its cause. */
  reply(content: MessageContent): Promise<SendResult>;
  /**
   * Answers the author only: every connection of `from.userId`, nobody else in the room, no other bot;
   * `meta.to` says so and the history does not keep it. For answers only the asker needs (`!help`).
   */
  replyPrivately(content: MessageContent): Promise<SendResult>;
}

/** A message that matched a `bot.hear` pattern. */
export interface HeardMessage extends BotMessage {
  /** The pattern's match: `match[1]` is the first capture. */
  readonly match: RegExpMatchArray;
}

/** A message that called a `bot.command`. */
export interface CommandMessage extends BotMessage {
  /** The command name, without the prefix, in lower case. */
  readonly command: string;
  /** Arguments split on spaces; "quoted words" stay together. */
  readonly args: readonly string[];
  /** Everything after the command name, as typed (trimmed). */
  readonly rest: string;
}

/** How `!help` shows a command. */
export interface CommandSpec {
  readonly description: string;
  /** Arguments as shown after the command name, e.g. `<duration> <text>`. */
  readonly usage?: string;
  /**
   * Only people with one of these roles (`msg.from.roles`, from their token in jwt auth mode) may run
   * the command; anyone else gets a reply saying which roles it needs, and the handler does not run.
   */
  readonly roles?: readonly string[];
}

/** One command of a loaded bot, as `bot.commands()` lists it. */
export interface CommandInfo extends CommandSpec {
  readonly bot: string;
  readonly name: string;
  /** How to type it, prefix included, e.g. `!remind <duration> <text>`. */
  readonly syntax: string;
}

/** A repeating job a bot registered with `bot.every`. */
export interface BotJob {
  /** `botName:jobName`; the testing kit's `tick(id)` runs it. */
  readonly id: string;
  readonly cron: string;
  stop(): void;
}

/** A timer a bot started with `bot.later`. */
export interface BotTimer {
  cancel(): void;
}

/**
 * The relay's limits on what a bot sends, so that a bot can check its input against them when it takes
 * it rather than learn of a refusal when it sends, maybe much later.
 */
export interface BotLimits {
  /** Largest content the relay accepts, in UTF-8 bytes (objects: their JSON text): `maxContentBytes`. */
  readonly maxContentBytes: number;
  /** The bot's send rate limit (`botRateLimit`); `false` when it is off. */
  readonly sendRate: { readonly burst: number; readonly perSecond: number } | false;
}

/** Lifecycle and presence events a bot can listen to with `bot.on`. */
export interface BotEvents {
  /** Every message the bot hears (not its own, not other bots' unless `hearBots`). */
  message: (message: BotMessage) => unknown;
  /** Each time the bot's connection is (re)established. */
  connect: () => unknown;
  /** Each time the connection drops; socket.io-client reconnects by itself. */
  disconnect: (reason: string) => unknown;
  /** Someone joined or left a room. */
  presence: (event: PresenceEvent) => unknown;
}

/**
 * What `setup(bot)` receives: the bot's API. Everything registered through it belongs to the bot, so
 * stopping or reloading the bot removes all of it.
 */
export interface BotContext<Config = Record<string, unknown>> {
  /** The bot's name, as it appears in `meta.from.name`. */
  readonly name: string;
  /** What starts a command, e.g. `!`. */
  readonly prefix: string;
  /** The bot's own settings (`bots.<name>` in the relay config), validated by its `configSchema`. */
  readonly config: Config;
  /** A child logger with `{ bot: name }`. */
  readonly log: Logger;
  /** A small key-value store kept by the host in a JSON file: it survives restarts. */
  readonly store: BotStore;
  /** The relay's limits on what the bot sends. */
  readonly limits: BotLimits;
  /** Runs `handler` for messages matching `pattern` (a string matches as a whole phrase, ignoring case). */
  hear(pattern: string | RegExp, handler: (message: HeardMessage) => unknown): void;
  /** Runs `handler` for `<prefix><name> args…`; `!help` lists it with `spec.description`. */
  command(name: string, spec: CommandSpec, handler: (message: CommandMessage) => unknown): void;
  on<E extends keyof BotEvents>(event: E, handler: BotEvents[E]): void;
  /**
   * Sends a message (default room: the lobby). Inside a handler, the message carries the handled one
   * as its cause, so the relay can stop bots that answer each other forever.
   */
  send(content: MessageContent, target?: BotSendTarget): Promise<SendResult>;
  /**
   * The newest messages of `room` (announcements included), oldest first: `limit` (default 50, at most
   * 200), `before` a message id to page back. Rejects with `RELAY_ERR_HISTORY_OFF` when the relay keeps
   * no history.
   */
  history(room: string, options?: { limit?: number; before?: string }): Promise<BotHistoryPage>;
  /** Who is online in `room` (see {@link BotMembersPage}). */
  members(room: string): Promise<BotMembersPage>;
  /** Runs `handler` on a cron schedule (node-cron syntax, seconds optional). */
  every(cron: string, handler: () => unknown, options?: { name?: string }): BotJob;
  /** Runs `handler` once after `ms` milliseconds, unless the bot stops first. */
  later(ms: number, handler: () => unknown): BotTimer;
  /** Every command of every bot in this host, for help texts. */
  commands(): CommandInfo[];
}

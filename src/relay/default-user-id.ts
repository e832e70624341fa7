import type { MessageSender, Sender, SenderKind } from './events.js';

// The prefix of each kind's default user ids. A verified identity never has one (token-claims.ts
// refuses a `sub` that does), so a token cannot pass for a bot, a service or another connection.
const PREFIXES: Readonly<Record<SenderKind, string>> = {
  user: 'anon',
  bot: 'bot',
  http: 'http',
  schedule: 'schedule',
  system: 'system',
};
const DEFAULT_ID = new RegExp(`^(?:${Object.values(PREFIXES).join('|')}):`);
const ANONYMOUS = `${PREFIXES.user}:`;

/**
 * The `userId` of a sender nothing verified: `anon:<socket id>` for a person (in `anonymous` auth mode a
 * name is only a claim, so only the connection identifies them), `bot:<name>` for a bot (it holds the bot
 * token), `<kind>:<id>` for a service. Also what a message kept before user ids existed reads back with.
 *
 * @example
 * ```ts
 * defaultUserId({ id: 'ops', name: 'ops', kind: 'http' }); // 'http:ops'
 * ```
 */
export function defaultUserId(from: Omit<Sender, 'userId'>): string {
  return `${PREFIXES[from.kind]}:${from.kind === 'bot' ? from.name : from.id}`;
}

/** Whether `userId` has the form {@link defaultUserId} gives (`anon:…`, `bot:…`, `http:…`, …). */
export function isDefaultUserId(userId: string): boolean {
  return DEFAULT_ID.test(userId);
}

/** Whether `userId` is an anonymous person's, which lasts one connection (`anon:<socket id>`). */
export function isAnonymousUserId(userId: string): boolean {
  return userId.startsWith(ANONYMOUS);
}

/** `from` with its {@link Sender.userId}, the {@link defaultUserId} when it has none. */
export function withUserId(from: Sender): MessageSender {
  return from.userId === undefined ? { ...from, userId: defaultUserId(from) } : (from as MessageSender);
}

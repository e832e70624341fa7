import type { MessageSender, Sender } from './events.js';

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
  if (from.kind === 'user') return `anon:${from.id}`;
  if (from.kind === 'bot') return `bot:${from.name}`;
  return `${from.kind}:${from.id}`;
}

/** `from` with its {@link Sender.userId}, the {@link defaultUserId} when it has none. */
export function withUserId(from: Sender): MessageSender {
  return from.userId === undefined ? { ...from, userId: defaultUserId(from) } : (from as MessageSender);
}

import type { MessageContent, MessageMeta } from '../relay/events.js';
import { LOBBY } from '../relay/room-name.js';
import type { BotMessage, BotSendTarget, SendResult } from './bot-context.js';
import type { Cause } from './handler-runner.js';

/** What a bot's sends answer: message `meta`, one hop further from a person. */
export const causeOf = (meta: MessageMeta): Cause => ({ id: meta.id, hops: (meta.hops ?? 0) + 1 });

/**
 * The message a bot's handler gets. Its `reply` and `replyPrivately` answer it whatever callback they
 * are called from (a `bot.later`, a promise chain): their cause is this message, so hops are counted.
 *
 * @example
 * ```ts
 * const msg = botMessage({ content, meta, text, signal }, (answer, target, cause) => send(answer, target, cause));
 * await msg.reply('pong');
 * ```
 */
export function botMessage(
  heard: { content: MessageContent; meta: MessageMeta; text: string; signal: AbortSignal },
  send: (
    answer: MessageContent,
    target: BotSendTarget & { to?: string },
    cause: Cause,
  ) => Promise<SendResult>,
): BotMessage {
  const { content, meta, text, signal } = heard;
  const room = meta.room ?? LOBBY;
  return {
    content,
    text,
    meta,
    from: meta.from,
    room: meta.room,
    signal,
    reply: (answer) => send(answer, { room }, causeOf(meta)),
    replyPrivately: (answer) => send(answer, { room, to: meta.from.userId }, causeOf(meta)),
  };
}

import type { MessageContent } from '../relay/events.js';

/**
 * The text of a message: the content when it is a string, its `text` field when it is an object with
 * one, else `''`. What `bot.hear` and `bot.command` match against.
 *
 * @example
 * ```ts
 * messageText({ text: '!ping', attachments: [] }); // '!ping'
 * ```
 */
export function messageText(content: MessageContent): string {
  if (typeof content === 'string') return content;
  const text = content?.text;
  return typeof text === 'string' ? text : '';
}

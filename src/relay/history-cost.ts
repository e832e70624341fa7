import type { LoggedMessage } from './message-log.js';

/** A history answer costs a socket one rate-limit token more for each of these it holds, past its first. */
export const HISTORY_BYTES_PER_TOKEN = 256 * 1024;

/**
 * The tokens a history page costs past the one its request took: one per {@link HISTORY_BYTES_PER_TOKEN}
 * of content. A page of 200 of the largest messages is ~800 KB and ~50 ms of event loop: at one token,
 * a client within its rate limit could take most of the loop; at four, a quarter as much. (At one per
 * 64 KiB, the client kit's and the chat page's gap fills ran out of tokens after a few pages of large
 * messages, and stopped.) Counted: characters of text, and of objects' JSON (at most maxContentBytes
 * each: this costs what the answer's encoding costs, at most).
 *
 * @example
 * ```ts
 * connection.limiter?.charge(extraHistoryTokens(page.messages));
 * ```
 */
export function extraHistoryTokens(messages: readonly Pick<LoggedMessage, 'content'>[]): number {
  let chars = 0;
  for (const { content } of messages) {
    chars += typeof content === 'string' ? content.length : JSON.stringify(content).length;
  }
  return Math.floor(chars / HISTORY_BYTES_PER_TOKEN);
}

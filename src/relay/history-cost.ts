import type { HistoryPage, HistoryQuery, LoggedMessage } from './message-log.js';

/** A history answer costs a socket one rate-limit token more for each of these it holds, past its first. */
export const HISTORY_BYTES_PER_TOKEN = 256 * 1024;

/** The content a history page holds at most (counted as {@link extraHistoryTokens} does), past its first message. */
export const MAX_PAGE_CHARS = 1024 * 1024;

// What a message's content costs an answer: the characters of its JSON, as it goes on the wire (text
// of control characters or quotes is up to 6 times as long escaped).
const contentChars = ({ content }: Pick<LoggedMessage, 'content'>): number => JSON.stringify(content).length;

/**
 * The most messages a page may ask the log for, so that a read holds at most about
 * {@link MAX_PAGE_CHARS} of content before {@link fitPage} trims it: 256 at the default
 * `maxContentBytes` (4 KiB), past the 200 a request may ask; 1 at its largest (1 MiB).
 *
 * @example
 * ```ts
 * const page = await log.read({ ...query, limit: Math.min(query.limit, maxPageMessages(maxContentBytes)) });
 * ```
 */
export function maxPageMessages(maxContentBytes: number): number {
  return Math.max(1, Math.floor(MAX_PAGE_CHARS / maxContentBytes));
}

/**
 * `page` cut to `maxChars` of content as sent (default {@link MAX_PAGE_CHARS}): the messages nearest the
 * cursor are kept (the oldest for a read `after` one, else the newest), at least one, and `more` says
 * the rest is still to be read. A page of 200 plain messages of the default `maxContentBytes` (4 KiB)
 * is ~800 KB and never cut; 200 of escaped text (control characters) would be ~5 MB.
 *
 * @example
 * ```ts
 * return fitPage(await log.read(query), query);
 * ```
 */
export function fitPage(
  page: HistoryPage,
  query: Pick<HistoryQuery, 'after'>,
  maxChars = MAX_PAGE_CHARS,
): HistoryPage {
  const { messages } = page;
  const forward = query.after !== undefined;
  let chars = 0;
  let kept = 0;
  for (; kept < messages.length; kept++) {
    chars += contentChars(messages[forward ? kept : messages.length - 1 - kept] as LoggedMessage);
    if (kept > 0 && chars > maxChars) break;
  }
  if (kept === messages.length) return page;
  return { messages: forward ? messages.slice(0, kept) : messages.slice(messages.length - kept), more: true };
}

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
  for (const message of messages) chars += contentChars(message);
  return Math.floor(chars / HISTORY_BYTES_PER_TOKEN);
}

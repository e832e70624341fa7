import { describe, expect, it } from 'vitest';
import { extraHistoryTokens, fitPage } from '../../src/relay/history-cost.js';
import type { LoggedMessage } from '../../src/relay/message-log.js';

const message = (id: string, content: LoggedMessage['content']): LoggedMessage => ({
  content,
  meta: { id, from: { id: 'feed', userId: 'http:feed', name: 'feed', kind: 'http' }, room: null, at: '' },
});
// Oldest first, as every page: 10 characters each, 12 as sent (JSON's quotes).
const page = { messages: ['a', 'b', 'c', 'd'].map((id) => message(id, id.repeat(10))), more: false };
const ids = (fitted: { messages: readonly LoggedMessage[] }) => fitted.messages.map(({ meta }) => meta.id);

describe('fitPage', () => {
  it('keeps a page within its budget whole: at the limit nothing is cut', () => {
    expect(fitPage(page, {}, 48)).toBe(page);
  });

  it('one past the limit, cuts the messages farthest from the cursor and says there is more', () => {
    // Reading back (no cursor, or `before`): the newest are kept, the older ones remain to read.
    expect(fitPage(page, {}, 47)).toEqual({ messages: page.messages.slice(1), more: true });
    // Reading forward (`after`): the oldest are kept.
    const forward = fitPage(page, { after: 'x' }, 47);
    expect(ids(forward)).toEqual(['a', 'b', 'c']);
    expect(forward.more).toBe(true);
  });

  it('keeps one message however large, and counts an object by its JSON', () => {
    expect(ids(fitPage(page, {}, 5))).toEqual(['d']);
    const objects = { messages: [message('a', { text: 'x'.repeat(20) }), message('b', 'y')], more: false };
    expect(ids(fitPage(objects, { after: 'x' }, 30))).toEqual(['a']);
    expect(extraHistoryTokens([message('a', 'x'.repeat(256 * 1024))])).toBe(1);
    // Escaped as sent: a control character is 6.
    expect(
      ids(fitPage({ messages: [message('a', '\u0001'), message('b', '\u0001')], more: false }, {}, 15)),
    ).toEqual(['b']);
  });
});

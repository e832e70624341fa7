import type { MessageContent, MessageMeta } from '../../src/index.js';
import type { TestClient } from '../support/connect-client.js';

/** A bot's answer to a question, and the question's message id. */
export interface Answer {
  readonly answer: string;
  readonly meta: MessageMeta;
  readonly asked: string;
}

/**
 * Sends `text` as `client` and resolves with the first bot message caused by it (its `causedBy` is the
 * question's id), so a greeting or another answer arriving meanwhile is never taken for the answer.
 * Answers that arrive before the relay's ack tells the id are kept and looked at then.
 */
export function ask(client: TestClient, text: string, timeoutMs = 3000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const early: Array<[MessageContent, MessageMeta]> = [];
    let asked: string | undefined;
    const finish = (content: MessageContent, meta: MessageMeta) => {
      cleanup();
      resolve({ answer: String(content), meta, asked: asked ?? '' });
    };
    const listener = (content: MessageContent, meta: MessageMeta) => {
      if (meta.from.kind !== 'bot') return;
      if (asked === undefined) early.push([content, meta]);
      else if (meta.causedBy === asked) finish(content, meta);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no answer to "${text}" within ${timeoutMs} ms`));
    }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      client.off('sendMessageFromBack', listener);
    };
    client.on('sendMessageFromBack', listener);
    client.emitWithAck('sendMessage', text).then((ack) => {
      if (!ack.ok) {
        cleanup();
        reject(new Error(ack.error.message));
        return;
      }
      asked = ack.id;
      const hit = early.find(([, meta]) => meta.causedBy === asked);
      if (hit) finish(...hit);
    }, reject);
  });
}

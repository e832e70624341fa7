import { io, type Socket } from 'socket.io-client';
import { messageText } from '../bots/message-text.js';
import { defaultUserId } from '../relay/default-user-id.js';
import type {
  ClientToServerEvents,
  MessageContent,
  MessageMeta,
  ServerToClientEvents,
} from '../relay/events.js';

/** A message a testbed user received. */
export interface ReceivedMessage {
  readonly content: MessageContent;
  readonly meta: MessageMeta;
  /** The content when it is a string, its `text` field when it is an object, else `''`. */
  readonly text: string;
}

/** A person in the testbed: a real socket.io client in one room. */
export interface TestbedUser {
  readonly name: string;
  readonly room: string;
  /** The user id on `meta.from.userId` of what this user says (`anon:<socket id>` without `auth: 'jwt'`). */
  readonly userId: string;
  readonly socket: Socket<ServerToClientEvents, ClientToServerEvents>;
  /** Everything this user received so far, oldest first. */
  readonly received: readonly ReceivedMessage[];
  /** Sends a message to the user's room; resolves with its id once the relay accepted it. */
  say(content: MessageContent): Promise<{ id: string }>;
  /** Says `content` and resolves with the first bot reply to it. */
  ask(content: MessageContent, options?: { timeoutMs?: number }): Promise<ReceivedMessage>;
  /** The first message received so far or later that `match` accepts; rejects after the timeout. */
  waitFor(
    match: (message: ReceivedMessage) => boolean,
    options?: { timeoutMs?: number },
  ): Promise<ReceivedMessage>;
}

/** Whether `message` is a bot's reply to the message `id`. */
export const fromBot = (id: string) => (message: ReceivedMessage) =>
  message.meta.from.kind === 'bot' && message.meta.causedBy === id;

/**
 * Connects a testbed user: a real socket.io client (websocket) in `room`, with a token when the testbed
 * runs in jwt mode (`userId` is then the token's `sub`), keeping what it receives for `waitFor`.
 *
 * @example
 * ```ts
 * const ann = await connectTestbedUser({ url, name: 'Ann', room: 'lobby', timeoutMs: 3000 });
 * ```
 */
export async function connectTestbedUser(options: {
  readonly url: string;
  readonly name: string;
  readonly room: string;
  readonly token?: string | undefined;
  readonly userId?: string | undefined;
  readonly timeoutMs: number;
}): Promise<TestbedUser> {
  const { url, name, room, token, userId, timeoutMs } = options;
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, {
    forceNew: true,
    reconnection: false,
    transports: ['websocket'],
    auth: { name, room, ...(token === undefined ? {} : { token }) },
  });
  const received: ReceivedMessage[] = [];
  const waiters = new Set<(message: ReceivedMessage) => void>();
  socket.on('sendMessageFromBack', (content, meta) => {
    const message = { content, meta, text: messageText(content) };
    received.push(message);
    for (const waiter of [...waiters]) waiter(message);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  const say = async (content: MessageContent) => {
    const answer = await socket.timeout(timeoutMs).emitWithAck('sendMessage', content);
    if (!answer.ok) throw Object.assign(new Error(answer.error.message), { code: answer.error.code });
    return { id: answer.id };
  };
  const person: TestbedUser = {
    name,
    room,
    userId: userId ?? defaultUserId({ id: socket.id as string, name, kind: 'user' }),
    socket,
    received,
    say,
    ask: async (content, askOptions = {}) => {
      const { id } = await say(content);
      return person.waitFor(fromBot(id), { timeoutMs: askOptions.timeoutMs ?? timeoutMs });
    },
    waitFor: (match, waitOptions = {}) => {
      const found = received.find(match);
      if (found) return Promise.resolve(found);
      const deadline = waitOptions.timeoutMs ?? timeoutMs;
      return new Promise((resolve, reject) => {
        const waiter = (message: ReceivedMessage) => {
          if (!match(message)) return;
          waiters.delete(waiter);
          clearTimeout(timer);
          resolve(message);
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const seen = received.map((message) => `${message.meta.from.name}: ${message.text}`).join(' | ');
          reject(
            new Error(`no matching message within ${deadline} ms; ${name} received: ${seen || 'nothing'}`),
          );
        }, deadline);
        waiters.add(waiter);
      });
    },
  };
  return person;
}

import type { Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  HistoryAck,
  MessageContent,
  MessageMeta,
  ServerToClientEvents,
} from '../relay/events.js';

type RelaySocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type Message = { readonly content: MessageContent; readonly meta: MessageMeta };

// Ids remembered to deduplicate: the history can repeat what arrived live just before a drop.
const REMEMBERED = 1000;
// The cursor before every message id: a gap of a room that was empty when the client came.
const BEFORE_ALL = '00000000-0000-7000-8000-000000000000';
// Pages read to fill one gap at most (200 messages each): a longer gap keeps its newest part unread
// rather than holding the live messages back for long.
const MAX_PAGES = 10;

/**
 * Delivers a client's messages once each, in order, across reconnections the relay could not
 * recover: after one, {@link fill} reads the room's history after the newest id seen (ids sort in
 * publish order) and delivers what was missed; live messages that arrive meanwhile wait, and are
 * delivered after it, without the ones already delivered. A relay without history leaves the gap.
 *
 * @example
 * ```ts
 * const gaps = new GapFiller((message) => render(message));
 * socket.on('sendMessageFromBack', (content, meta) => gaps.live({ content, meta }));
 * socket.on('connect', () => { if (!socket.recovered) gaps.fill(socket, 5000); });
 * ```
 */
export class GapFiller {
  readonly #deliver: (message: Message) => void;
  readonly #seen = new Set<string>();
  #newest: string | undefined;
  // Where a gap starts when no message was seen yet: the room's newest message when the client came.
  #base: string | undefined;
  #held: Message[] | undefined;

  constructor(deliver: (message: Message) => void) {
    this.#deliver = deliver;
  }

  /** A message from `sendMessageFromBack`: delivered now, or after the gap being filled. */
  live(message: Message): void {
    if (this.#held !== undefined) this.#held.push(message);
    else this.#pass(message);
  }

  /**
   * At the first connection: notes where the room's history stands, so that a gap after it is found
   * even if no message arrived before (a quiet room, no greeting). A relay without history says no.
   */
  start(socket: RelaySocket, timeoutMs: number): void {
    void (socket.timeout(timeoutMs).emitWithAck('history', { limit: 1 }) as Promise<HistoryAck>).then(
      (answer) => {
        if (answer.ok) this.#base = answer.messages.at(-1)?.meta.id ?? BEFORE_ALL;
      },
      () => undefined,
    );
  }

  /**
   * After a move to another room: a gap starts where the new room stands now, not at the newest message
   * of the old one, or the new room's earlier messages would come as if missed.
   */
  moved(socket: RelaySocket, timeoutMs: number): void {
    this.#newest = undefined;
    this.#base = undefined;
    this.start(socket, timeoutMs);
  }

  /** Reads what was missed since the newest message seen, then delivers what was held meanwhile. */
  fill(socket: RelaySocket, timeoutMs: number): void {
    const after = this.#newest ?? this.#base;
    if (after === undefined || this.#held !== undefined) return;
    this.#held = [];
    void this.#read(socket, timeoutMs, after).finally(() => {
      const held = this.#held ?? [];
      this.#held = undefined;
      for (const message of held) this.#pass(message);
    });
  }

  async #read(socket: RelaySocket, timeoutMs: number, after: string): Promise<void> {
    let cursor = after;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      let answer: HistoryAck;
      try {
        answer = (await socket
          .timeout(timeoutMs)
          .emitWithAck('history', { after: cursor, limit: 200 })) as HistoryAck;
      } catch {
        return;
      }
      if (!answer.ok) return;
      for (const message of answer.messages) this.#pass(message);
      const last = answer.messages.at(-1);
      if (!answer.more || last === undefined) return;
      cursor = last.meta.id;
    }
  }

  #pass(message: Message): void {
    const { id } = message.meta;
    if (this.#seen.has(id)) return;
    this.#seen.add(id);
    if (this.#seen.size > REMEMBERED) this.#seen.delete(this.#seen.values().next().value as string);
    if (this.#newest === undefined || id > this.#newest) this.#newest = id;
    this.#deliver(message);
  }
}

import type { Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  HistoryAck,
  HistoryRequest,
  MessageContent,
  MessageMeta,
  ServerToClientEvents,
  WireError,
} from '../relay/events.js';

type RelaySocket = Socket<ServerToClientEvents, ClientToServerEvents>;
type Message = { readonly content: MessageContent; readonly meta: MessageMeta };

// Ids remembered to deduplicate: the history can repeat what arrived live just before a drop. While a
// gap is filled, every id delivered is kept (at most MAX_PAGES pages and MAX_HELD held, ~25 000), so
// that none of what was held comes twice; the set is cut back once the gap is filled.
const REMEMBERED = 1000;
// The cursor before every message id: a gap of a room that was empty when the client came.
const BEFORE_ALL = '00000000-0000-7000-8000-000000000000';
const PAGE = 200;
// Pages read to fill one gap at most: 20 000 messages, past what a room's history and the relay-wide
// announcements hold together by default (twice 1 009 between trims).
const MAX_PAGES = 100;
// Live messages held while a gap is read: past this many, the oldest go (they are in the history the
// fill is reading, after its cursor, so they come from there).
const MAX_HELD = 5000;
// Refusals that pass: the socket's rate limit (a long gap of large messages spends it, history-cost.ts)
// and the relay's own outages. A page refused for one is asked again, with a growing wait.
const TRANSIENT = new Set(['RELAY_ERR_RATE_LIMITED', 'RELAY_ERR_NOT_READY']);
const RETRIES = 10;
const REMEMBERED_FILLING = MAX_PAGES * PAGE + MAX_HELD;
const MAX_WAIT_MS = 30_000;

type Outcome = 'done' | 'interrupted' | 'stale';

/**
 * A gap the kit could not fill: messages published after `after` in `room` may never have reached this
 * client. `refused`: the relay refused its history for good (`error` says why: no history, no grant);
 * `unanswered`: a passing refusal or a timeout outlasted the retries; `too-long`: the gap is longer than
 * one fill reads (20 000 messages). An app can say so, or reload the room.
 */
export interface UnfilledGap {
  /** The room the fill read; `undefined` for a client that names no room: the lobby. */
  readonly room: string | undefined;
  /**
   * The id after which messages may be missing: the newest delivered, or, for a client that had seen
   * none, where the room's history stood when it first connected (possibly the all-zero id of an
   * empty room).
   */
  readonly after: string;
  readonly reason: 'refused' | 'unanswered' | 'too-long';
  readonly error?: WireError;
}

/**
 * Delivers a client's messages once each, in order, across reconnections the relay could not
 * recover: after one, {@link fill} reads the room's history after the newest id seen (ids sort in
 * publish order) and delivers what was missed; live messages that arrive meanwhile wait, and are
 * delivered after it, without the ones already delivered. A page refused for the rate limit or an
 * outage is asked again after the wait the relay names; a drop during the fill leaves it
 * {@link pending}, and the next connection goes on from where it stopped. A relay without history
 * leaves the gap.
 *
 * @example
 * ```ts
 * const gaps = new GapFiller((message) => render(message));
 * socket.on('sendMessageFromBack', (content, meta) => gaps.live({ content, meta }));
 * socket.on('connect', () => { if (!socket.recovered || gaps.pending) gaps.fill(socket, 5000, 'ops'); });
 * ```
 */
export class GapFiller {
  readonly #deliver: (message: Message) => void;
  readonly #seen = new Set<string>();
  #newest: string | undefined;
  // Where a gap starts when no message was seen yet: the room's newest message when the client came.
  #base: string | undefined;
  #held: Message[] | undefined;
  // Bumped by a move and by close: a read begun before it stops, and its pages are not delivered.
  #generation = 0;
  #reading: number | undefined;

  readonly #unfilled: (gap: UnfilledGap) => void;

  constructor(deliver: (message: Message) => void, unfilled: (gap: UnfilledGap) => void = () => undefined) {
    this.#deliver = deliver;
    this.#unfilled = unfilled;
  }

  /** True while a gap is not filled yet: live messages wait for it, and the next connection fills on. */
  get pending(): boolean {
    return this.#held !== undefined;
  }

  /** A message from `sendMessageFromBack`: delivered now, or after the gap being filled. */
  live(message: Message): void {
    if (this.#held === undefined) {
      this.#pass(message);
      return;
    }
    this.#held.push(message);
    if (this.#held.length > MAX_HELD) this.#held.shift();
  }

  /** A message the relay redacted: if it is held, it is never delivered. */
  redacted(id: string): void {
    if (this.#held !== undefined) this.#held = this.#held.filter(({ meta }) => meta.id !== id);
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
   * After a move to another room: what was held is delivered now, a read of the old room stops, and a
   * gap starts where the new room stands now, not at the newest message of the old one, or the new
   * room's earlier messages would come as if missed.
   */
  moved(socket: RelaySocket, timeoutMs: number): void {
    this.#stop();
    this.#newest = undefined;
    this.#base = undefined;
    this.start(socket, timeoutMs);
  }

  /** Stops a read under way and drops what it held; for a client closing. */
  close(): void {
    this.#generation += 1;
    this.#reading = undefined;
    this.#held = undefined;
  }

  /**
   * Reads what `room` (the socket's room when omitted) said since the newest message seen, then
   * delivers what was held meanwhile. Called again while a read runs, it does nothing.
   */
  fill(socket: RelaySocket, timeoutMs: number, room?: string): void {
    const after = this.#newest ?? this.#base;
    if (after === undefined || this.#reading === this.#generation) return;
    const generation = this.#generation;
    this.#reading = generation;
    this.#held ??= [];
    void this.#read(socket, timeoutMs, { after, ...(room === undefined ? {} : { room }) }, generation).then(
      (outcome) => {
        if (generation !== this.#generation) return;
        this.#reading = undefined;
        // Dropped mid-read: keep holding, the next connection reads on from the newest delivered.
        if (outcome !== 'interrupted') this.#release();
      },
    );
  }

  async #read(
    socket: RelaySocket,
    timeoutMs: number,
    request: HistoryRequest & { after: string },
    generation: number,
  ): Promise<Outcome> {
    let cursor = request.after;
    for (let page = 0; page < MAX_PAGES; page += 1) {
      const pageRequest = { ...request, after: cursor, limit: PAGE };
      const answer = await this.#page(socket, timeoutMs, pageRequest, generation);
      if (answer === 'stale' || generation !== this.#generation) return 'stale';
      if (answer === 'interrupted') return 'interrupted';
      if ('failed' in answer) {
        this.#unfilled({ room: request.room, after: cursor, ...answer.failed });
        return 'done'; // the gap stays: what was held is delivered, and the app is told
      }
      for (const message of answer.messages) this.#pass(message);
      const last = answer.messages.at(-1);
      if (!answer.more || last === undefined) return 'done';
      cursor = last.meta.id;
    }
    this.#unfilled({ room: request.room, after: cursor, reason: 'too-long' });
    return 'done';
  }

  // One page, asked again while the relay refuses it for a passing reason; `failed`: it gave up.
  // A move or close meanwhile ends it: its retries would spend the rate limit the next fill needs.
  async #page(
    socket: RelaySocket,
    timeoutMs: number,
    request: HistoryRequest,
    generation: number,
  ): Promise<
    | Extract<HistoryAck, { ok: true }>
    | 'interrupted'
    | 'stale'
    | { readonly failed: Pick<UnfilledGap, 'reason' | 'error'> }
  > {
    for (let attempt = 0; ; attempt += 1) {
      if (generation !== this.#generation) return 'stale';
      let answer: HistoryAck | undefined;
      try {
        answer = (await socket.timeout(timeoutMs).emitWithAck('history', request)) as HistoryAck;
      } catch {
        // socket.io-client fails the ack at a disconnect; a timeout while connected is asked again.
        if (!socket.connected) return 'interrupted';
      }
      if (answer?.ok) return answer;
      const error = answer?.error;
      if (error !== undefined && !TRANSIENT.has(error.code)) return { failed: { reason: 'refused', error } };
      if (attempt >= RETRIES) {
        return { failed: { reason: 'unanswered', ...(error === undefined ? {} : { error }) } };
      }
      const hinted = error?.retryAfterMs;
      await wait(Math.min(MAX_WAIT_MS, Math.max(hinted ?? 0, 100 * 2 ** attempt)));
      if (!socket.connected) return 'interrupted';
    }
  }

  #stop(): void {
    this.#generation += 1;
    this.#reading = undefined;
    this.#release();
  }

  #release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    for (const message of held) this.#pass(message);
    for (const id of this.#seen) {
      if (this.#seen.size <= REMEMBERED) break;
      this.#seen.delete(id);
    }
  }

  #pass(message: Message): void {
    const { id } = message.meta;
    if (this.#seen.has(id)) return;
    this.#seen.add(id);
    if (this.#seen.size > (this.#held === undefined ? REMEMBERED : REMEMBERED_FILLING)) {
      this.#seen.delete(this.#seen.values().next().value as string);
    }
    if (this.#newest === undefined || id > this.#newest) this.#newest = id;
    this.#deliver(message);
  }
}

// A wait that never keeps a Node process alive by itself (a closed client's retry must not).
function wait(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms) as unknown as { unref?: () => void };
    timer.unref?.();
  });
}

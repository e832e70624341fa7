import type { Logger } from 'pino';

// The parts of socket.io's packets, broadcast options and cluster messages this handles
// (socket.io-adapter's types).
export interface Packet {
  type: number;
  data: unknown[];
  id?: number;
}
export interface BroadcastOptions {
  rooms: Set<string>;
  except?: Set<string>;
  flags?: Record<string, unknown>;
}
interface StreamMessage {
  uid?: string;
  type: number;
  data?: {
    requestId?: string;
    packet?: Packet;
    opts?: { rooms: string[]; except: string[]; flags?: Record<string, unknown> };
  };
}

/** What ordering needs of the Streams adapter: its id, its stream reader's hook, its offset marking. */
export interface OrderedAdapter {
  readonly uid: string;
  onMessage(message: StreamMessage, offset?: string): unknown;
  addOffsetIfNecessary(packet: Packet, opts: BroadcastOptions, offset: string): void;
}

// socket.io-adapter's MessageType.BROADCAST.
export const BROADCAST = 3;
/** How long a node waits for its stream reader to reach one of its own messages before delivering it. */
export const STREAM_READER_DEADLINE_MS = 2000;
// The broadcast flag that numbers a node's own broadcasts, so that its reader knows each one, even one
// whose append reply was lost. Other nodes pass it on to socket.io, which ignores flags it does not know.
const SEQ_FLAG = 'relaykitSeq';
// An episode of a late reader ends after this long without a late delivery (one warn, one info line).
const EPISODE_QUIET_MS = 10_000;
// Numbers remembered at most, in each set: five times the stream's length (10 000 entries).
const MAX_REMEMBERED = 50_000;

interface Waiting {
  readonly timer: ReturnType<typeof setTimeout>;
  readonly resolve: () => void;
}

/**
 * Delivers a node's own broadcasts to its clients in the stream's order, interleaved with the other
 * nodes' as every node sees them. socket.io's Streams adapter delivers a node's own broadcast as soon as
 * Redis took it and the others' when its stream reader gets them, so a client could see offsets go back
 * and forth, and connection state recovery, which resumes after the last offset the client saw, could
 * skip or repeat a message. Here each own broadcast is numbered ({@link mark}), and the stream reader
 * delivers it where it is in the stream. One the reader has not reached
 * {@link STREAM_READER_DEADLINE_MS} after it was appended (a stalled reader) is delivered then, out of
 * order, and skipped when the reader gets there: one warn line per episode.
 *
 * @example
 * ```ts
 * const order = new StreamOrder(adapter, deliverHere, log);
 * const marked = order.mark(opts);
 * const offset = await appendToStream(packet, marked);
 * await order.delivered(marked, packet, offset); // this node's clients have it
 * ```
 */
export class StreamOrder {
  readonly #adapter: OrderedAdapter;
  readonly #deliverHere: (packet: Packet, opts: BroadcastOptions) => void;
  readonly #log: Logger;
  #last = 0;
  // Appended (or the append failed), waiting for the reader.
  readonly #waiting = new Map<number, Waiting>();
  // Reached by the reader before the append's answer came (answers of one connection can settle out of
  // order: a MULTI's takes more steps than an XADD's), until that answer comes or the append fails.
  readonly #readAhead = new Set<number>();
  // Delivered on the deadline; the reader skips them when it gets there. One never reached has left the
  // stream (trimmed, or lost by a Redis restart): past the cap, the oldest go, long out of the stream.
  readonly #deliveredLate = new Set<number>();
  #late = 0;
  #lastLateAt = 0;
  #closed = false;

  constructor(
    adapter: OrderedAdapter,
    deliverHere: (packet: Packet, opts: BroadcastOptions) => void,
    log: Logger,
  ) {
    this.#adapter = adapter;
    this.#deliverHere = deliverHere;
    this.#log = log;
    const onMessage = adapter.onMessage.bind(adapter);
    adapter.onMessage = (message, offset) => {
      const seq = this.#ownSeq(message);
      if (offset === undefined || seq === undefined) return onMessage(message, offset);
      this.#reached(seq, offset, message);
      return undefined;
    };
  }

  /** `opts` with this node's next number: what to append and then pass to {@link delivered}. */
  mark(opts: BroadcastOptions): BroadcastOptions {
    this.#last += 1;
    return { ...opts, flags: { ...opts.flags, [SEQ_FLAG]: this.#last } };
  }

  /**
   * Resolves once this node's clients have a marked broadcast: when the stream reader reaches it, or at
   * the deadline. `offset`: where Redis appended it; undefined when the append failed (Redis may have
   * taken it anyway: then the reader delivers it, once).
   */
  delivered(marked: BroadcastOptions, packet: Packet, offset?: string): Promise<void> {
    const seq = marked.flags?.[SEQ_FLAG] as number;
    if (this.#readAhead.delete(seq) || this.#closed) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(
        () => this.#deliverLate(seq, marked, packet, offset),
        STREAM_READER_DEADLINE_MS,
      );
      timer.unref();
      this.#waiting.set(seq, { timer, resolve });
    });
  }

  /** A marked broadcast whose append failed and that nobody waits for: the reader may still reach it. */
  abandon(marked: BroadcastOptions): void {
    this.#readAhead.delete(marked.flags?.[SEQ_FLAG] as number);
  }

  /** Stops waiting: what still waits is settled undelivered (its sockets are closing). Idempotent. */
  close(): void {
    this.#closed = true;
    for (const { timer, resolve } of this.#waiting.values()) {
      clearTimeout(timer);
      resolve();
    }
    this.#waiting.clear();
  }

  // The adapter ignores its own messages in the stream; the marked ones are the broadcasts to deliver.
  #ownSeq(message: StreamMessage): number | undefined {
    if (message.uid !== this.#adapter.uid || message.type !== BROADCAST) return undefined;
    if (message.data?.requestId !== undefined || message.data?.packet === undefined) return undefined;
    const seq = message.data.opts?.flags?.[SEQ_FLAG];
    return typeof seq === 'number' ? seq : undefined;
  }

  #reached(seq: number, offset: string, message: StreamMessage): void {
    if (this.#deliveredLate.delete(seq) || this.#closed) return;
    const data = message.data as Required<Pick<NonNullable<StreamMessage['data']>, 'packet' | 'opts'>>;
    const opts: BroadcastOptions = {
      rooms: new Set(data.opts.rooms),
      except: new Set(data.opts.except),
      flags: data.opts.flags,
    };
    this.#adapter.addOffsetIfNecessary(data.packet, opts, offset);
    this.#deliverHere(data.packet, opts);
    if (this.#late > 0 && Date.now() - this.#lastLateAt >= EPISODE_QUIET_MS) {
      this.#log.info(
        { deliveredLate: this.#late },
        'stream reader caught up: own messages in stream order again',
      );
      this.#late = 0;
    }
    const waiting = this.#waiting.get(seq);
    if (waiting === undefined) {
      remember(this.#readAhead, seq);
      return;
    }
    clearTimeout(waiting.timer);
    this.#waiting.delete(seq);
    waiting.resolve();
  }

  #deliverLate(seq: number, opts: BroadcastOptions, packet: Packet, offset: string | undefined): void {
    const waiting = this.#waiting.get(seq);
    if (waiting === undefined) return;
    this.#waiting.delete(seq);
    if (this.#late === 0) {
      this.#log.warn(
        { waitedMs: STREAM_READER_DEADLINE_MS },
        "stream reader is late: delivering this node's own messages without waiting, out of stream order",
      );
    }
    this.#late += 1;
    this.#lastLateAt = Date.now();
    if (offset !== undefined) this.#adapter.addOffsetIfNecessary(packet, opts, offset);
    this.#deliverHere(packet, opts);
    remember(this.#deliveredLate, seq);
    waiting.resolve();
  }
}

function remember(numbers: Set<number>, seq: number): void {
  numbers.add(seq);
  if (numbers.size > MAX_REMEMBERED) numbers.delete(numbers.values().next().value as number);
}

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
// Offsets remembered for messages whose append reply, or reader, never came (a lost reply, a stopped
// reader): at most this many, oldest forgotten first.
const MAX_REMEMBERED = 10_000;

interface Waiting {
  readonly timer: ReturnType<typeof setTimeout>;
  readonly resolve: () => void;
}

/**
 * Delivers a node's own broadcasts to its clients in the stream's order, interleaved with the other
 * nodes' as every node sees them. socket.io's Streams adapter delivers a node's own broadcast as soon as
 * Redis took it and the others' when its stream reader gets them, so a client could see offsets go back
 * and forth, and connection state recovery, which resumes after the last offset the client saw, could
 * skip or repeat a message. Here the stream reader delivers the node's own broadcasts too, where they are
 * in the stream. A broadcast the reader has not reached {@link STREAM_READER_DEADLINE_MS} after Redis took
 * it (a stalled reader connection) is delivered then, out of order, and skipped when the reader gets
 * there: one warn line per episode.
 *
 * @example
 * ```ts
 * const order = new StreamOrder(adapter, deliverHere, log);
 * const offset = await appendToStream(message);
 * await order.delivered(offset, packet, opts); // this node's clients have it
 * ```
 */
export class StreamOrder {
  readonly #adapter: OrderedAdapter;
  readonly #deliverHere: (packet: Packet, opts: BroadcastOptions) => void;
  readonly #log: Logger;
  // Appended, waiting for the reader.
  readonly #waiting = new Map<string, Waiting>();
  // Reached by the reader before the append's reply came.
  readonly #readAhead = new Set<string>();
  // Delivered on the deadline; the reader skips them.
  readonly #deliveredLate = new Set<string>();
  #late = 0;

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
      if (offset === undefined || !this.#isOwnBroadcast(message)) return onMessage(message, offset);
      this.#reached(offset, message);
      return undefined;
    };
  }

  /**
   * Resolves once this node's clients have the broadcast Redis took at `offset`: when the stream reader
   * reaches it, or at the deadline.
   */
  delivered(offset: string, packet: Packet, opts: BroadcastOptions): Promise<void> {
    if (this.#readAhead.delete(offset)) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.#deliverLate(offset, packet, opts), STREAM_READER_DEADLINE_MS);
      timer.unref();
      this.#waiting.set(offset, { timer, resolve });
    });
  }

  // The adapter ignores its own messages in the stream; those are the broadcasts this node appended.
  #isOwnBroadcast(message: StreamMessage): boolean {
    return (
      message.uid === this.#adapter.uid &&
      message.type === BROADCAST &&
      message.data?.requestId === undefined &&
      message.data?.packet !== undefined
    );
  }

  #reached(offset: string, message: StreamMessage): void {
    if (this.#deliveredLate.delete(offset)) return;
    const data = message.data as Required<Pick<NonNullable<StreamMessage['data']>, 'packet' | 'opts'>>;
    const opts: BroadcastOptions = {
      rooms: new Set(data.opts.rooms),
      except: new Set(data.opts.except),
      flags: data.opts.flags,
    };
    this.#adapter.addOffsetIfNecessary(data.packet, opts, offset);
    this.#deliverHere(data.packet, opts);
    if (this.#late > 0) {
      this.#log.info(
        { deliveredLate: this.#late },
        'stream reader caught up: own messages in stream order again',
      );
      this.#late = 0;
    }
    const waiting = this.#waiting.get(offset);
    if (waiting === undefined) {
      remember(this.#readAhead, offset);
      return;
    }
    clearTimeout(waiting.timer);
    this.#waiting.delete(offset);
    waiting.resolve();
  }

  #deliverLate(offset: string, packet: Packet, opts: BroadcastOptions): void {
    const waiting = this.#waiting.get(offset);
    if (waiting === undefined) return;
    this.#waiting.delete(offset);
    if (this.#late === 0) {
      this.#log.warn(
        { offset, waitedMs: STREAM_READER_DEADLINE_MS },
        "stream reader is late: delivering this node's own messages without waiting, out of stream order",
      );
    }
    this.#late += 1;
    this.#adapter.addOffsetIfNecessary(packet, opts, offset);
    this.#deliverHere(packet, opts);
    remember(this.#deliveredLate, offset);
    waiting.resolve();
  }
}

function remember(offsets: Set<string>, offset: string): void {
  offsets.add(offset);
  if (offsets.size > MAX_REMEMBERED) offsets.delete(offsets.values().next().value as string);
}

import type { Response } from 'express';
import type { MessageRedactedEvent } from '../relay/events.js';
import type { HistoryReader } from '../relay/message-log.js';

/** How often an idle stream sends a comment line, so that proxies and clients see it is alive. */
export const SSE_HEARTBEAT_MS = 15_000;
// Below every id the relay makes: reading after it starts at the room's oldest kept message.
const BEFORE_EVERYTHING = '00000000-0000-7000-8000-000000000000';
// Written while the response buffers less than this; past it the stream waits for 'drain'.
const HIGH_WATER_BYTES = 64 * 1024;
const PAGE = 100;

/**
 * One Server-Sent Events response following a room's history (`GET /v1/rooms/{room}/events`). It
 * reads the log rather than buffering live messages: after each commit to its room it reads on from
 * the last id it sent, so it sends every kept message once, in order, and resumes exactly from
 * `Last-Event-ID`. Its memory is its response's write buffer: while that holds over 64 KiB it reads
 * nothing more; a reader that takes longer than `slowReaderMs` to drain it is cut.
 *
 * @example
 * ```ts
 * const stream = new RoomEventStream(res, log, { room: 'ops', after: req.get('last-event-id'), slowReaderMs: 30_000, onCut });
 * ```
 */
export class RoomEventStream {
  readonly room: string;
  readonly #res: Response;
  readonly #log: HistoryReader;
  readonly #slowReaderMs: number;
  readonly #onCut: () => void;
  readonly #heartbeat: NodeJS.Timeout;
  #last: string | undefined;
  #waiting: NodeJS.Timeout | undefined;
  // A read is under way (a shared store answers later); a pump asked for meanwhile reads once more.
  #reading = false;
  #again = false;
  #closed = false;

  constructor(
    res: Response,
    log: HistoryReader,
    options: {
      room: string;
      after: string | undefined;
      slowReaderMs: number;
      heartbeatMs?: number;
      onCut: () => void;
    },
  ) {
    this.#res = res;
    this.#log = log;
    this.room = options.room;
    this.#slowReaderMs = options.slowReaderMs;
    this.#onCut = options.onCut;
    this.#last = options.after;
    setEventStreamHeaders(res);
    res.flushHeaders();
    res.write('retry: 2000\n\n');
    this.#heartbeat = setInterval(
      () => this.#send(': heartbeat\n\n'),
      options.heartbeatMs ?? SSE_HEARTBEAT_MS,
    );
    this.#heartbeat.unref();
    res.on('close', () => this.close());
    this.pump();
  }

  /** Sends what the log holds after the last message sent, as far as the reader keeps up. */
  pump(): void {
    if (this.#closed || this.#waiting !== undefined) return;
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#reading = true;
    this.#read().then(
      () => {
        this.#reading = false;
        if (this.#again) {
          this.#again = false;
          this.pump();
        }
      },
      // A store that cannot be read now (Redis away): the reader reconnects with its Last-Event-ID.
      () => this.close(),
    );
  }

  async #read(): Promise<void> {
    // Without Last-Event-ID the stream starts now: after the newest message kept at connection.
    if (this.#last === undefined) {
      const newest = (await this.#log.read({ room: this.room, limit: 1 })).messages[0];
      this.#last ??= newest?.meta.id ?? BEFORE_EVERYTHING;
    }
    for (;;) {
      // Through the relay's reads (routes give it `relay.readHistory`): at most ~1 MiB of content a page.
      const page = await this.#log.read({ room: this.room, after: this.#last, limit: PAGE });
      if (this.#closed) return;
      // A heartbeat or a redaction sent while the page was read may have started a wait already.
      if (this.#waiting !== undefined) return;
      // Checked after each message, not each page: a page of the largest messages is a whole MiB.
      for (const { content, meta } of page.messages) {
        this.#last = meta.id;
        this.#res.write(`id: ${meta.id}\ndata: ${JSON.stringify({ content, meta })}\n\n`);
        if (this.#res.writableLength > HIGH_WATER_BYTES) {
          this.#waitForDrain();
          return;
        }
      }
      if (!page.more) return;
    }
  }

  /** Tells the reader a message of its room was redacted (`event: redacted`). */
  redacted(event: MessageRedactedEvent): void {
    this.#send(`event: redacted\ndata: ${JSON.stringify(event)}\n\n`);
  }

  /** Ends the response; idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#heartbeat);
    if (this.#waiting !== undefined) clearTimeout(this.#waiting);
    if (!this.#res.writableEnded) this.#res.end();
  }

  #send(text: string): void {
    if (this.#closed) return;
    this.#res.write(text);
    if (this.#waiting === undefined && this.#res.writableLength > HIGH_WATER_BYTES) this.#waitForDrain();
  }

  #waitForDrain(): void {
    if (this.#waiting !== undefined) return;
    this.#waiting = setTimeout(() => {
      this.#onCut();
      this.close();
      this.#res.destroy();
    }, this.#slowReaderMs);
    this.#res.once('drain', () => {
      if (this.#waiting !== undefined) clearTimeout(this.#waiting);
      this.#waiting = undefined;
      this.pump();
    });
  }
}

/**
 * The status and headers of an event stream, the whole answer to a `HEAD` (Express routes it to the
 * `GET` handler, whose stream would otherwise hold the connection and a slot of its token forever).
 */
export function setEventStreamHeaders(res: Response): void {
  res.status(200);
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-cache, no-transform');
  res.setHeader('X-Accel-Buffering', 'no');
}

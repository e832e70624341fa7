import { RelayError } from '../relay/relay-error.js';

/** Bounds on the requests that may wait for a client's first connection. */
export interface QueueLimits {
  /** How many `send`, `join` and `leave` calls may wait at once. */
  readonly maxQueuedSends: number;
  /** How many bytes (UTF-8, objects as JSON) their content may add up to. */
  readonly maxQueuedBytes: number;
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: RelayError) => void;
  readonly timer: ReturnType<typeof setTimeout>;
  /** Bytes of a queued request; `undefined` for a `ready()` call, which holds nothing. */
  readonly bytes: number | undefined;
}

/**
 * Everything waiting for a relay client to connect: `ready()` calls, and requests made before the first
 * connection. Requests are bounded in count and bytes, since each keeps its content until it goes out;
 * every waiter has a deadline, after which it is dropped, so a request is either sent while its caller
 * still waits for it or rejected, never sent after its promise has settled.
 */
export class ConnectionWaiters {
  readonly #limits: QueueLimits;
  readonly #waiters = new Set<Waiter>();
  #queuedCount = 0;
  #queuedBytes = 0;

  constructor(limits: QueueLimits) {
    this.#limits = limits;
  }

  /**
   * Resolves once {@link ConnectionWaiters.settle} is called without an error. With `request`, counts
   * against the limits and rejects at once with `RELAY_ERR_SEND_QUEUE_FULL` past them. Rejects with
   * `RELAY_ERR_CONNECT_TIMEOUT` after `timeoutMs`.
   */
  wait(timeoutMs: number, request?: { action: string; bytes: number }): Promise<void> {
    if (request) {
      const { maxQueuedSends, maxQueuedBytes } = this.#limits;
      if (this.#queuedCount + 1 > maxQueuedSends || this.#queuedBytes + request.bytes > maxQueuedBytes) {
        return Promise.reject(
          new RelayError(
            'RELAY_ERR_SEND_QUEUE_FULL',
            `cannot ${request.action}: ${this.#queuedCount} requests (${this.#queuedBytes} bytes) already wait for the first connection, and this one (${request.bytes} bytes) would pass maxQueuedSends ${maxQueuedSends} or maxQueuedBytes ${maxQueuedBytes}`,
          ),
        );
      }
      this.#queuedCount += 1;
      this.#queuedBytes += request.bytes;
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        bytes: request?.bytes,
        timer: setTimeout(() => {
          this.#remove(waiter);
          const what = request ? `cannot ${request.action}: ` : '';
          reject(
            new RelayError(
              'RELAY_ERR_CONNECT_TIMEOUT',
              `${what}no connection to the relay within ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs),
      };
      this.#waiters.add(waiter);
    });
  }

  /** Resolves every waiter, oldest first (so queued requests go out in call order), or rejects them all. */
  settle(error?: RelayError): void {
    const waiters = [...this.#waiters];
    for (const waiter of waiters) this.#remove(waiter);
    for (const waiter of waiters) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  #remove(waiter: Waiter): void {
    if (!this.#waiters.delete(waiter)) return;
    clearTimeout(waiter.timer);
    if (waiter.bytes === undefined) return;
    this.#queuedCount -= 1;
    this.#queuedBytes -= waiter.bytes;
  }
}

/** UTF-8 length of `content` as the relay measures it: strings as they are, objects as their JSON text. */
export function contentBytes(content: unknown): number {
  return utf8Length(typeof content === 'string' ? content : (JSON.stringify(content) ?? ''));
}

// Counted by hand rather than with TextEncoder: no copy of a large message, and older React Native
// engines have no TextEncoder.
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit < 0xdc00 && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next < 0xe000) {
        bytes += 4;
        i += 1;
      } else bytes += 3;
    } else bytes += 3;
  }
  return bytes;
}

import { Decoder, Encoder, type Packet, PacketType } from 'socket.io-parser';

/**
 * Most arguments a client event may carry besides its ack. RelayKit's events take one or two
 * (`sendMessage(content)`, `botMessage(content, options)`); the rest is headroom for clients that pass
 * something extra, which handlers ignore.
 */
export const MAX_EVENT_ARGUMENTS = 8;

/**
 * What stands for the arguments of an event that carried more than {@link MAX_EVENT_ARGUMENTS}: the
 * event's handler answers `RELAY_ERR_TOO_MANY_ARGUMENTS` instead of running.
 */
export class TooManyArguments {
  constructor(readonly count: number) {}
}

/**
 * socket.io-parser's decoder, but an event packet with more than {@link MAX_EVENT_ARGUMENTS} arguments
 * reaches socket.io as `[event, TooManyArguments]`. socket.io hands a packet's arguments to listeners
 * with `Function.prototype.apply`, which puts each on the stack: ~40 000 of them (a 100 KB packet of
 * `0,`) overflow it, and the RangeError is thrown from a `process.nextTick`, which ends the process.
 * A wrapper rather than a subclass: `Decoder.add` emits through `super.emitReserved`, which a subclass
 * cannot intercept.
 */
class BoundedDecoder extends Decoder {
  readonly #inner = new Decoder();

  constructor() {
    super();
    this.#inner.on('decoded', (packet: Packet) => this.emitReserved('decoded', bounded(packet)));
  }

  override add(chunk: unknown): void {
    this.#inner.add(chunk);
  }

  override destroy(): void {
    this.#inner.destroy();
    super.destroy();
  }
}

function bounded(packet: Packet): Packet {
  const { data } = packet;
  if (packet.type !== PacketType.EVENT || !Array.isArray(data) || data.length <= MAX_EVENT_ARGUMENTS + 1) {
    return packet;
  }
  return { ...packet, data: [data[0], new TooManyArguments(data.length - 1)] };
}

/**
 * The parser of the relay's socket.io server (its `parser` option): the default wire format, with event
 * arguments bounded (see {@link MAX_EVENT_ARGUMENTS}). Clients keep the default parser.
 *
 * @example
 * ```ts
 * new Server(httpServer, { parser: boundedParser });
 * ```
 */
export const boundedParser = { Encoder, Decoder: BoundedDecoder };

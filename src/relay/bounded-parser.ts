import { Decoder, Encoder, type Packet, PacketType } from 'socket.io-parser';
import { RelayError } from './relay-error.js';

/**
 * Most arguments a client event may carry besides its ack. RelayKit's events take one or two
 * (`sendMessage(content)`, `botMessage(content, options)`); the rest is headroom for clients that pass
 * something extra, which handlers ignore.
 */
export const MAX_EVENT_ARGUMENTS = 8;

/**
 * Most handshakes (socket.io CONNECT packets) one engine connection may make: a client whose handshake is
 * refused may try again on the same connection (with a fresh token, say), a few times.
 */
export const MAX_CONNECTS_PER_CONNECTION = 16;

/**
 * What stands for the arguments of an event that carried more than {@link MAX_EVENT_ARGUMENTS}: the
 * event's handler answers `RELAY_ERR_TOO_MANY_ARGUMENTS` instead of running.
 */
export class TooManyArguments {
  constructor(readonly count: number) {}
}

/** The refusal of `event`, which came with more than {@link MAX_EVENT_ARGUMENTS} arguments. */
export function tooManyArguments(event: string, { count }: TooManyArguments): RelayError {
  return new RelayError(
    'RELAY_ERR_TOO_MANY_ARGUMENTS',
    `event "${event}" came with ${count} arguments; the relay reads at most ${MAX_EVENT_ARGUMENTS}`,
  );
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
  #connecting = false;
  #connects = 0;

  constructor() {
    super();
    // What is thrown here leaves through add(), where socket.io closes the connection.
    this.#inner.on('decoded', (packet: Packet) => {
      if (this.#admit(packet)) this.emitReserved('decoded', bounded(packet));
    });
  }

  /** The handshake checks have answered the connection's CONNECT: another may come (after a refusal). */
  settleConnect(): void {
    this.#connecting = false;
  }

  // socket.io builds a Socket for every CONNECT that arrives before the first one is answered: 1 400 of
  // them in one TCP write made 1 400 sockets, each greeted, logged and kept for recovery. One that comes
  // while the previous is answered is dropped (socket.io-client sends two when `connect()` is called
  // twice, and one answer connects it); past MAX_CONNECTS_PER_CONNECTION (any namespace's) the
  // connection ends. And the relay never asks clients for acknowledgements: an ACK packet from one was
  // parsed and dropped at no cost to it; it ends the connection. Returns whether socket.io gets it.
  #admit(packet: Packet): boolean {
    if (packet.type === PacketType.ACK || packet.type === PacketType.BINARY_ACK) {
      throw new Error('a client sent an acknowledgement the relay never asked for');
    }
    if (packet.type !== PacketType.CONNECT) return true;
    this.#connects += 1;
    if (this.#connects > MAX_CONNECTS_PER_CONNECTION) {
      throw new Error(`more than ${MAX_CONNECTS_PER_CONNECTION} CONNECTs on one connection`);
    }
    // Another namespace: socket.io answers "Invalid namespace" at once, building nothing, and the
    // connection's `/` socket (an app multiplexing `io(url + '/admin')`) goes on.
    if (packet.nsp !== '/') return true;
    if (this.#connecting) return false;
    this.#connecting = true;
    return true;
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
 * Tells the connection's decoder that `socket`'s handshake was answered (accepted or refused), so that
 * it takes the next CONNECT; call it once the handshake checks are done.
 */
export function settleConnect(socket: { readonly client: unknown }): void {
  const decoder = (socket.client as { decoder?: unknown }).decoder;
  if (decoder instanceof BoundedDecoder) decoder.settleConnect();
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

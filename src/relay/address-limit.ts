import type { IncomingMessage } from 'node:http';
import { isIP, isIPv4, isIPv6 } from 'node:net';
import { Counter, type Registry } from 'prom-client';
import { EpisodeLog } from './episode-log.js';
import { forwardedFor } from './forwarded-request.js';
import type { RelayErrorCode } from './relay-errors.js';
import { TokenBucket } from './token-bucket.js';

/** What one client address may open: handshakes (a token bucket) and connections open at once. */
export interface AddressLimitSettings {
  readonly burst: number;
  readonly perSecond: number;
  readonly maxConnections: number;
}

/**
 * The `addressLimit` setting's defaults: far above what one person's tabs and bots open, and enough for
 * a team behind one office NAT, or behind a proxy whose addresses are not trusted (all its clients are
 * then one address), to come back after a restart within a minute or two.
 */
export const ADDRESS_LIMIT_DEFAULTS: AddressLimitSettings = {
  burst: 500,
  perSecond: 50,
  maxConnections: 5000,
};

/** A refusal of {@link AddressLimit.check}, for its one log line per address and episode. */
export interface AddressRefusal {
  readonly address: string;
  readonly code: Extract<RelayErrorCode, 'RELAY_ERR_RATE_LIMITED' | 'RELAY_ERR_TOO_MANY_CONNECTIONS'>;
  /** The request came with `X-Forwarded-For` while `trustProxy` is off: the address may be a proxy's. */
  readonly proxied: boolean;
}

interface AddressState {
  readonly handshakes: TokenBucket;
  connections: number;
}

/** The part of engine.io's server {@link AddressLimit.follow} listens to. */
export interface EngineConnections {
  on(
    event: 'connection',
    listener: (socket: {
      readonly request: IncomingMessage;
      once(event: 'close', listener: () => void): unknown;
    }) => void,
  ): unknown;
}

// The key of every X-Forwarded-For value that is not an IP address (with trustProxy).
const INVALID_FORWARDED = 'invalid X-Forwarded-For';
// Forgotten addresses: no connection open and a full bucket. Swept this often, so the map holds only
// the addresses with connections open and those seen within about the last burst's refill time.
const SWEEP_INTERVAL_MS = 10_000;

/**
 * Bounds what one client address costs the relay, before socket.io builds anything for it: handshakes
 * (engine.io's `allowRequest`) spend a token bucket per address, and an address may keep at most
 * `maxConnections` open. A client in a reconnect loop would otherwise cost a session, a recovery
 * session kept for the recovery window and log lines for every turn of its loop, and one address could
 * open connections until the process runs out of memory.
 *
 * A refused handshake is answered 403 by engine.io, with the code as its message; socket.io-client takes
 * it as a transport error and retries with its back-off, so clients behind one NAT get in a little later
 * instead of failing. The address is the TCP peer's, or with `trustProxy` the last `X-Forwarded-For`
 * value (the one the proxy in front of the relay appended). Loopback addresses are not limited: local
 * development, in-process bots, and a proxy on the same host whose addresses are not trusted would
 * otherwise share one limit. Each address's refusals are logged once an episode.
 *
 * @example
 * ```ts
 * const limit = new AddressLimit({ burst: 200, perSecond: 20, maxConnections: 1000 }, { trustProxy: false, registry, onRefused });
 * limit.follow(io.engine);
 * if (limit.check(req) !== undefined) refuse();
 * ```
 */
export class AddressLimit {
  readonly #settings: AddressLimitSettings;
  readonly #trustProxy: boolean;
  readonly #addresses = new Map<string, AddressState>();
  readonly #refused: Counter<'reason'>;
  readonly #episodes: EpisodeLog<AddressRefusal>;
  readonly #onRefused: (refusal: AddressRefusal) => void;
  readonly #sweep: ReturnType<typeof setInterval>;

  constructor(
    settings: AddressLimitSettings,
    options: {
      trustProxy: boolean;
      registry: Registry;
      onRefused(refusal: AddressRefusal): void;
      onEnded(address: string, refused: number): void;
    },
  ) {
    this.#settings = settings;
    this.#trustProxy = options.trustProxy;
    this.#onRefused = options.onRefused;
    this.#refused = new Counter({
      name: 'relay_handshakes_refused_total',
      help: 'Handshakes refused because their client address was over addressLimit (handshake rate or open connections).',
      labelNames: ['reason'],
      registers: [options.registry],
    });
    // Both series from the start, at 0: a dashboard's rate() needs the series before the first refusal.
    for (const reason of ['rate', 'connections']) this.#refused.inc({ reason }, 0);
    this.#episodes = new EpisodeLog({ ended: ({ key, count }) => options.onEnded(key, count) });
    this.#sweep = setInterval(() => this.#forget(), SWEEP_INTERVAL_MS).unref();
  }

  /** Addresses followed now (with connections open, or handshakes made lately). */
  get size(): number {
    return this.#addresses.size;
  }

  /** Counts `engine`'s connections by address, so that `maxConnections` can be enforced. */
  follow(engine: EngineConnections): void {
    engine.on('connection', (socket) => {
      const address = this.#addressOf(socket.request);
      if (address === undefined) return;
      // Kept in the map while it has a connection open: the sweep forgets only idle addresses.
      const state = this.#state(address);
      state.connections += 1;
      socket.once('close', () => {
        state.connections -= 1;
      });
    });
  }

  /** Takes a handshake from `req`'s address; the refusal's code when the address is over its limit. */
  check(req: IncomingMessage): AddressRefusal['code'] | undefined {
    const address = this.#addressOf(req);
    if (address === undefined) return undefined;
    const state = this.#state(address);
    let code: AddressRefusal['code'] | undefined;
    if (state.connections >= this.#settings.maxConnections) code = 'RELAY_ERR_TOO_MANY_CONNECTIONS';
    else if (!state.handshakes.take()) code = 'RELAY_ERR_RATE_LIMITED';
    if (code === undefined) return undefined;
    this.#refused.inc({ reason: code === 'RELAY_ERR_RATE_LIMITED' ? 'rate' : 'connections' });
    const proxied = !this.#trustProxy && req.headers['x-forwarded-for'] !== undefined;
    const refusal = { address, code, proxied };
    if (this.#episodes.note(address, refusal)) this.#onRefused(refusal);
    return code;
  }

  /** Stops the sweep and ends the open episodes (their summary lines). Idempotent. */
  close(): void {
    clearInterval(this.#sweep);
    this.#episodes.close();
  }

  #addressOf(req: IncomingMessage): string | undefined {
    const client = requestClient(req, this.#trustProxy);
    return client === undefined || client.exempt ? undefined : client.key;
  }

  #state(address: string): AddressState {
    let state = this.#addresses.get(address);
    if (state === undefined) {
      const { burst, perSecond } = this.#settings;
      state = { handshakes: new TokenBucket({ burst, perSecond }), connections: 0 };
      this.#addresses.set(address, state);
    }
    return state;
  }

  #forget(): void {
    for (const [address, state] of this.#addresses) {
      if (state.connections === 0 && state.handshakes.full) this.#addresses.delete(address);
    }
  }
}

/** A client address as {@link AddressLimit} counts it. */
export interface ClientAddress {
  /** What the client is counted under: an IPv4 address, or an IPv6 one's /64 network. */
  readonly key: string;
  readonly loopback: boolean;
}

/**
 * The client `req` comes from, as `addressLimit` counts clients (an IPv6 /64 is one; with `trustProxy`,
 * the one the proxy forwarded for), loopback included: what a client's refusals are grouped by in the log.
 *
 * @example
 * ```ts
 * clientKeyOf(socket.request, config.trustProxy); // '203.0.113.7', '2001:db8:1:2::/64'
 * ```
 */
export function clientKeyOf(req: IncomingMessage, trustProxy: boolean): string | undefined {
  return requestClient(req, trustProxy)?.key;
}

// The client of `req` by its key, and whether addressLimit exempts it. Loopback is exempt only when it
// is the TCP peer: a header saying 127.0.0.1 proves nothing. A forwarded value that is no IP address
// counts under one key for all of them.
function requestClient(
  req: IncomingMessage,
  trustProxy: boolean,
): { key: string; exempt: boolean } | undefined {
  const forwarded = forwardedFor(req.headers, trustProxy);
  if (forwarded !== undefined)
    return { key: clientAddress(forwarded)?.key ?? INVALID_FORWARDED, exempt: false };
  const peer = req.socket?.remoteAddress;
  const address = peer === undefined ? undefined : clientAddress(peer);
  return address === undefined ? undefined : { key: address.key, exempt: address.loopback };
}

/**
 * What a client address is counted under: an IPv4 address, or the /64 network of an IPv6 one (one host
 * gets a whole /64, so counting single IPv6 addresses would let it open a new one for every handshake).
 * A port a proxy may add (`203.0.113.5:4444`, `[2001:db8::1]:4444`) is dropped, and an IPv6 address that
 * carries an IPv4 one (mapped `::ffff:0:0/96`, SIIT `::ffff:0:0:0/96`, NAT64 `64:ff9b::/96`, compatible
 * `::/96`) counts as that IPv4 address. `undefined` for anything that is not an IP address.
 *
 * @example
 * ```ts
 * clientAddress('[2001:db8:1:2:3:4:5:6]:443'); // { key: '2001:db8:1:2::/64', loopback: false }
 * ```
 */
export function clientAddress(raw: string): ClientAddress | undefined {
  let address = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(address);
  if (bracketed?.[1] !== undefined) address = bracketed[1];
  else if (isIP(address) === 0 && /:\d+$/.test(address)) address = address.slice(0, address.lastIndexOf(':'));
  if (isIPv4(address)) return { key: address, loopback: address.startsWith('127.') };
  if (!isIPv6(address)) return undefined;
  const groups = ipv6Groups(address);
  const embedded = embeddedIPv4(groups);
  if (embedded !== undefined) return clientAddress(embedded);
  const loopback = groups.every((group, index) => group === (index === 7 ? 1 : 0));
  return {
    key: `${groups
      .slice(0, 4)
      .map((group) => group.toString(16))
      .join(':')}::/64`,
    loopback,
  };
}

// The eight 16-bit groups of a valid IPv6 address: `::` expanded, a dotted IPv4 tail as its two groups,
// a zone index dropped.
function ipv6Groups(address: string): number[] {
  const [head = '', tail] = (address.split('%')[0] ?? '').split('::');
  const parse = (part: string): number[] =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [Number.parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function embeddedIPv4(groups: readonly number[]): string | undefined {
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = groups;
  const zero = (...values: Array<number | undefined>) => values.every((value) => value === 0);
  const mapped = zero(g0, g1, g2, g3, g4) && g5 === 0xffff;
  const siit = zero(g0, g1, g2, g3, g5) && g4 === 0xffff;
  const nat64 = g0 === 0x64 && g1 === 0xff9b && zero(g2, g3, g4, g5);
  // IPv4-compatible (deprecated), but not :: and ::1 themselves.
  const compatible = zero(g0, g1, g2, g3, g4, g5) && g6 !== 0;
  if (!mapped && !siit && !nat64 && !compatible) return undefined;
  return [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff].join('.');
}

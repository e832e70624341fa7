import yargs from 'yargs';
import type { ContentKind } from './load/bench-message.js';
import type { Transport, WireParser } from './load/connect-clients.js';
import type { FanOutAuth } from './workloads/fan-out.js';

/** Every setting of a bench run, after defaults (full or `--quick`). */
export interface BenchOptions {
  readonly name: string;
  readonly quick: boolean;
  readonly rounds: number;
  readonly only: readonly string[];
  readonly fanoutClients: readonly number[];
  readonly fanoutLoad: number;
  /** RelayKit's auth modes in fan-out: every size runs once per mode. */
  readonly fanoutAuth: readonly FanOutAuth[];
  readonly burstClients: number;
  readonly burstMessages: number;
  readonly httpListeners: number;
  readonly httpConcurrency: number;
  readonly echoBackground: number;
  readonly echoLoad: number;
  readonly echoIntervalMs: number;
  readonly idleClients: readonly number[];
  readonly idleRounds: number;
  readonly pings: number;
  readonly pingIntervalMs: number;
  readonly handshakeClients: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly clientProcs: number;
  readonly transport: Transport;
  readonly content: ContentKind;
  readonly bytes: number;
  readonly cpuProf: boolean;
  readonly out: string;
  /** Extra createRelayServer options for RelayKit in every case, to measure what an option costs. */
  readonly relayOptions: Readonly<Record<string, unknown>>;
  /** Control run: the bare server sends RelayKit's `meta` and recovery offset too (same bytes, none of the work). */
  readonly bareMeta: boolean;
  /** The bare server's parser and its clients' (fan-out only), to measure a binary parser. */
  readonly bareParser: WireParser;
  /** Control run: the bare server writes every message into SQLite before sending it (the least a durable history costs). */
  readonly bareDurable: boolean;
}

/** All workloads, in the order they run. */
export const WORKLOADS = ['fan-out', 'burst', 'http', 'echo', 'idle', 'bot', 'handshake'] as const;

const numbers = (value: unknown) =>
  String(value)
    .split(',')
    .map((v) => Number(v.trim()))
    .filter((n) => Number.isFinite(n) && n > 0);

/** Parses the command line of `npm run bench -- …`. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const args = yargs([...argv])
    .scriptName('npm run bench --')
    .usage('$0 [options]: RelayKit vs a bare socket.io server, same workloads, alternating rounds')
    .option('quick', {
      type: 'boolean',
      default: false,
      describe: 'small sizes, one round (~30 s): a smoke check',
    })
    .option('rounds', { type: 'number', describe: 'rounds per workload (default 3; quick 1)' })
    .option('only', { type: 'string', describe: `comma-separated workloads: ${WORKLOADS.join(',')}` })
    .option('fanout-clients', {
      type: 'string',
      describe: 'fan-out sizes (default 100,1000,5000; quick 100)',
    })
    .option('fanout-load', {
      type: 'number',
      describe: 'offered deliveries/s in fan-out (default 10000; quick 5000)',
    })
    .option('fanout-auth', {
      type: 'string',
      default: 'anonymous',
      describe: 'RelayKit auth modes in fan-out, comma-separated: anonymous, jwt (a token per client)',
    })
    .option('burst-clients', { type: 'number', describe: 'burst receivers (default 1000; quick 100)' })
    .option('burst-messages', { type: 'number', describe: 'burst size (default 200; quick 50)' })
    .option('http-listeners', {
      type: 'number',
      describe: 'clients listening to HTTP announcements (default 100; quick 20)',
    })
    .option('http-concurrency', { type: 'number', default: 32, describe: 'HTTP requests in flight' })
    .option('echo-background', {
      type: 'number',
      describe: 'background clients in echo (default 1000; quick 100)',
    })
    .option('echo-load', {
      type: 'number',
      describe: 'background deliveries/s in echo (default 5000; quick 2000)',
    })
    .option('echo-interval', { type: 'number', default: 20, describe: 'ms between echo probes' })
    .option('idle-clients', { type: 'string', describe: 'idle sizes (default 1000,10000; quick 200)' })
    .option('idle-rounds', { type: 'number', describe: 'rounds of the largest idle size (default 2)' })
    .option('pings', { type: 'number', describe: '!ping round trips per round (default 100; quick 20)' })
    .option('ping-interval', { type: 'number', default: 20, describe: 'ms between !ping round trips' })
    .option('handshake-clients', {
      type: 'number',
      describe: 'connections per handshake run, anonymous and jwt (default 1000; quick 200)',
    })
    .option('duration', {
      type: 'number',
      describe: 'ms of measured load per run (default 3000; quick 1000)',
    })
    .option('warmup', { type: 'number', describe: 'ms of unmeasured load first (default 500; quick 200)' })
    .option('client-procs', {
      type: 'number',
      default: 1,
      describe: 'load-generator processes for receivers',
    })
    .option('transport', {
      choices: ['websocket', 'polling-upgrade'] as const,
      default: 'websocket' as const,
    })
    .option('content', { choices: ['string', 'object'] as const, default: 'string' as const })
    .option('bytes', { type: 'number', default: 100, describe: 'approximate message size' })
    .option('cpu-prof', {
      type: 'boolean',
      default: false,
      describe: 'profile the servers (--cpu-prof) into <out>/profiles/<case>/<target>',
    })
    .option('relay-options', {
      type: 'string',
      describe: 'JSON of extra createRelayServer options for RelayKit, e.g. \'{"recoveryWindowMs":0}\'',
    })
    .option('bare-meta', {
      type: 'boolean',
      default: false,
      describe:
        "control: the bare server adds a RelayKit-shaped meta and offset to every message, so both send the same bytes and the ratio shows RelayKit's own work",
    })
    .option('bare-parser', {
      choices: ['json', 'msgpack'] as const,
      default: 'json' as const,
      describe:
        'the bare server and its clients use this parser (fan-out only): with --bare-meta, what socket.io-msgpack-parser would do to RelayKit-shaped frames',
    })
    .option('bare-durable', {
      type: 'boolean',
      default: false,
      describe:
        'control: the bare server inserts every message into a SQLite file (WAL, synchronous NORMAL) before its io.emit, the least a durable history costs, so the ratio shows RelayKit beyond that',
    })
    .option('out', { type: 'string', default: 'bench/results', describe: 'where results go' })
    .option('name', { type: 'string', describe: 'result file name (default full, or quick)' })
    .strict()
    .help()
    .parseSync();
  const quick = args.quick;
  const pick = <T>(given: T | undefined, full: T, small: T): T => given ?? (quick ? small : full);
  const only = args.only ? args.only.split(',').map((w) => w.trim()) : [...WORKLOADS];
  const unknown = only.filter((w) => !(WORKLOADS as readonly string[]).includes(w));
  if (unknown.length > 0)
    throw new Error(`unknown workload(s) ${unknown.join(', ')}; known: ${WORKLOADS.join(', ')}`);
  const fanoutAuth = args['fanout-auth'].split(',').map((mode) => mode.trim());
  const unknownAuth = fanoutAuth.filter((mode) => mode !== 'anonymous' && mode !== 'jwt');
  if (unknownAuth.length > 0)
    throw new Error(`unknown --fanout-auth mode(s) ${unknownAuth.join(', ')}; known: anonymous, jwt`);
  if (args['bare-parser'] !== 'json' && only.some((w) => w !== 'fan-out'))
    throw new Error('--bare-parser is measured by the fan-out workload only; add --only fan-out');
  return {
    name: args.name ?? (quick ? 'quick' : 'full'),
    quick,
    rounds: pick(args.rounds, 3, 1),
    only,
    fanoutClients: numbers(pick(args['fanout-clients'], '100,1000,5000', '100')),
    fanoutLoad: pick(args['fanout-load'], 10_000, 5000),
    fanoutAuth: fanoutAuth as FanOutAuth[],
    burstClients: pick(args['burst-clients'], 1000, 100),
    burstMessages: pick(args['burst-messages'], 200, 50),
    httpListeners: pick(args['http-listeners'], 100, 20),
    httpConcurrency: args['http-concurrency'],
    echoBackground: pick(args['echo-background'], 1000, 100),
    echoLoad: pick(args['echo-load'], 5000, 2000),
    echoIntervalMs: args['echo-interval'],
    idleClients: numbers(pick(args['idle-clients'], '1000,10000', '200')),
    idleRounds: pick(args['idle-rounds'], 2, 1),
    pings: pick(args.pings, 100, 20),
    pingIntervalMs: args['ping-interval'],
    handshakeClients: pick(args['handshake-clients'], 1000, 200),
    durationMs: pick(args.duration, 3000, 1000),
    warmupMs: pick(args.warmup, 500, 200),
    clientProcs: args['client-procs'],
    transport: args.transport,
    content: args.content,
    bytes: args.bytes,
    cpuProf: args['cpu-prof'],
    out: args.out,
    relayOptions: args['relay-options'] ? (JSON.parse(args['relay-options']) as Record<string, unknown>) : {},
    bareMeta: args['bare-meta'],
    bareParser: args['bare-parser'],
    bareDurable: args['bare-durable'],
  };
}

// What the Redis-backed history costs in cluster mode, against a redis-server this script starts (see
// bench/README.md "Message history"):
//   - Redis round trips of one message: the history's append script then the cluster stream's XADD (two
//     round trips, what the relay does), against both in one MULTI (one round trip), one message at a time
//     and in batches of 64 (a busy event-loop turn);
//   - the history script (index, exact trim) against bare XADDs with approximate MAXLEN;
//   - the sendMessage ack round trip of a socket client on a cluster node: history in Redis, in SQLite, off.
// Usage: tsx bench/redis-history-micro.ts [--quick]
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { createClient } from 'redis';
import { io } from 'socket.io-client';
import { APPEND } from '../src/history/redis-history-scripts.js';
import { createRelayServer, type SendAck } from '../src/index.js';
import { newMessageId } from '../src/relay/message-id.js';
import { summarise } from './stats.js';

const quick = process.argv.includes('--quick');
const SINGLES = quick ? 2000 : 10_000;
const BATCHES = quick ? 200 : 1000;
const PER_BATCH = 64;
const ACKS = quick ? 1000 : 5000;
const out = (line: string) => process.stdout.write(`${line}\n`);
const payload = JSON.stringify({ content: 'x'.repeat(100), meta: { from: { id: 'bench' } } });

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

const port = await freePort();
const redisServer: ChildProcess = spawn(
  'redis-server',
  ['--port', String(port), '--save', '', '--appendonly', 'no'],
  { stdio: 'ignore' },
);
const url = `redis://127.0.0.1:${port}`;
const client = createClient({ url });
for (;;) {
  try {
    await client.connect();
    break;
  } catch {
    await delay(50);
  }
}

// The history's append script for `count` messages of one room, as the log sends it.
function history(count: number): string[] {
  const keys = ['bench:streams', 'bench:index', 'bench:seq', 'bench:clock'];
  const args = ['1000', 'bench:events', '{}'];
  for (let i = 0; i < count; i += 1) {
    keys.push('bench:room:ops');
    args.push(newMessageId(), payload);
  }
  return ['EVALSHA', APPEND.sha, String(keys.length), ...keys, ...args];
}
await client.sendCommand(['SCRIPT', 'LOAD', APPEND.source]);
// What trimming costs: the same XADDs with approximate MAXLEN and no index, as a floor.
const bare = (count: number) => {
  const multi = client.multi();
  for (let i = 0; i < count; i += 1)
    multi.addCommand(['XADD', 'bench:bare', 'MAXLEN', '~', '1000', '*', 'i', newMessageId(), 'm', payload]);
  return multi.exec();
};
const streamXadd = () => ['XADD', 'bench:messages', 'MAXLEN', '~', '10000', '*', 'data', payload];

async function timeIt(
  label: string,
  rounds: number,
  messagesPerRound: number,
  round: () => Promise<unknown>,
) {
  const latencies: number[] = [];
  const started = performance.now();
  for (let i = 0; i < rounds; i += 1) {
    const t = performance.now();
    await round();
    latencies.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1000;
  const stats = summarise(latencies);
  out(
    `${label.padEnd(58)} ${Math.round((rounds * messagesPerRound) / seconds)
      .toString()
      .padStart(8)} msg/s   p50 ${stats.p50.toFixed(3)} ms   p99 ${stats.p99.toFixed(3)} ms`,
  );
}

out(`redis-server ${url}; ${SINGLES} single messages, ${BATCHES} batches of ${PER_BATCH}`);
await timeIt('1 message: history script, then stream XADD (2 trips)', SINGLES, 1, async () => {
  await client.sendCommand(history(1));
  await client.sendCommand(streamXadd());
});
await timeIt('1 message: both in one MULTI (1 trip)', SINGLES, 1, () =>
  client.multi().addCommand(history(1)).addCommand(streamXadd()).exec(),
);
await timeIt(
  `${PER_BATCH} messages: history script, then stream MULTI (2 trips)`,
  BATCHES,
  PER_BATCH,
  async () => {
    await client.sendCommand(history(PER_BATCH));
    const multi = client.multi();
    for (let i = 0; i < PER_BATCH; i += 1) multi.addCommand(streamXadd());
    await multi.exec();
  },
);
await timeIt(`${PER_BATCH} messages: both in one MULTI (1 trip)`, BATCHES, PER_BATCH, () => {
  const multi = client.multi().addCommand(history(PER_BATCH));
  for (let i = 0; i < PER_BATCH; i += 1) multi.addCommand(streamXadd());
  return multi.exec();
});
await timeIt(`${PER_BATCH} messages: history script (index, exact trim to 1000)`, BATCHES, PER_BATCH, () =>
  client.sendCommand(history(PER_BATCH)),
);
await timeIt(`${PER_BATCH} messages: bare XADD MAXLEN ~ 1000 in a MULTI`, BATCHES, PER_BATCH, () =>
  bare(PER_BATCH),
);
await client.close();

// The ack round trip a socket client sees on a cluster node, by where the history is kept.
for (const [label, history] of [
  ['history in Redis', {}],
  ['history in SQLite (:memory:)', { backend: 'sqlite', store: ':memory:' }],
  ['history off', false],
] as const) {
  const server = createRelayServer({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    greeting: 'none',
    rateLimit: false,
    redisUrl: url,
    scheduler: { store: ':memory:' },
    hooks: { store: ':memory:' },
    webhooks: { store: ':memory:' },
    history,
  });
  const listening = await server.listen();
  await delay(200);
  const socket = io(listening.url, { transports: ['websocket'], forceNew: true });
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  const latencies: number[] = [];
  for (let i = 0; i < ACKS; i += 1) {
    const t = performance.now();
    const ack = (await socket.emitWithAck('sendMessage', 'x'.repeat(100))) as SendAck;
    if (!ack.ok) throw new Error(`refused: ${ack.error.code}`);
    latencies.push(performance.now() - t);
  }
  const stats = summarise(latencies);
  out(`ack round trip, ${label.padEnd(30)} p50 ${stats.p50.toFixed(3)} ms   p99 ${stats.p99.toFixed(3)} ms`);
  socket.disconnect();
  await server.close();
}
redisServer.kill('SIGKILL');

// How long `GET /v1/schedules?next=N` holds the relay's event loop with many jobs, rare ones included
// (`0 0 29 2 1`: 29 February on a Monday, about every 28 years). Measures, for a first (cold) and a second
// listing: the request's wall time, the longest event-loop block during it (perf_hooks histogram, 1 ms
// resolution) and the slowest socket.io round trip of a client pinging throughout.
// Usage: tsx bench/schedule-list-block.ts [JOBS=3000] [RARE=200] [NEXT=50]
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { io } from 'socket.io-client';
import { ConfigError, createRelayServer, type RelayServer } from '../src/index.js';

const jobs = Number(process.argv[2] ?? 3000);
const rare = Number(process.argv[3] ?? 200);
const next = Number(process.argv[4] ?? 50);

const settings = {
  port: 0,
  host: '127.0.0.1',
  logLevel: 'error' as const,
  greeting: 'none' as const,
  rateLimit: false as const,
  api: { tokens: ['ops:ops-s3cr3t:admin'], rateLimit: false as const },
};
let server: RelayServer;
try {
  server = createRelayServer({ ...settings, scheduler: { store: ':memory:', maxJobs: jobs + rare } });
} catch (error) {
  // A RelayKit without the scheduler.maxJobs setting (before the job cap): no cap to raise.
  if (!(error instanceof ConfigError)) throw error;
  server = createRelayServer({ ...settings, scheduler: { store: ':memory:' } });
}
const { url } = await server.listen();
const added = performance.now();
for (let i = 0; i < jobs; i += 1) {
  const cron = i % 2 === 0 ? `${i % 60} ${i % 24} * * *` : `${i % 60} */${1 + (i % 6)} * * 1-5`;
  server.scheduler.add({ id: `job-${i}`, cron, content: 'x' });
}
for (let i = 0; i < rare; i += 1) server.scheduler.add({ id: `rare-${i}`, cron: '0 0 29 2 1', content: 'x' });
console.log(`${jobs} jobs + ${rare} rare ones added in ${(performance.now() - added).toFixed(0)} ms`);

const client = io(url, { forceNew: true, reconnection: false, transports: ['websocket'] });
await new Promise<void>((resolve) => client.once('connect', () => resolve()));
const headers = { authorization: 'Bearer ops-s3cr3t' };
await (await fetch(`${url}/v1/schedules?next=0`, { headers })).json(); // opens the HTTP connection

async function measure(label: string): Promise<void> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let done = false;
  let slowestTrip = 0;
  let trips = 0;
  const pinging = (async () => {
    while (!done) {
      const sent = performance.now();
      await client.emitWithAck('sendMessage', 'ping');
      slowestTrip = Math.max(slowestTrip, performance.now() - sent);
      trips += 1;
    }
  })();
  histogram.enable();
  const started = performance.now();
  const response = await fetch(`${url}/v1/schedules?next=${next}`, { headers });
  const body = (await response.json()) as { schedules: unknown[] };
  const took = performance.now() - started;
  histogram.disable();
  done = true;
  await pinging;
  console.log(
    `${label}: ${response.status}, ${body.schedules.length} jobs, ${took.toFixed(0)} ms; ` +
      `longest event-loop block ${(histogram.max / 1e6).toFixed(0)} ms; ` +
      `slowest socket round trip ${slowestTrip.toFixed(0)} ms (${trips} round trips)`,
  );
}

await measure(`GET /v1/schedules?next=${next}, first`);
await measure(`GET /v1/schedules?next=${next}, second`);
client.disconnect();
await server.close();

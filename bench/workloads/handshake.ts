import { BENCH_JWT_SECRET, benchTokens } from '../load/bench-tokens.js';
import { openClient, whenConnected } from '../load/connect-clients.js';
import { summarise } from '../stats.js';
import { BARE_SETUP, relaykitSetup, type WorkloadCase } from './workload-case.js';

const WARMUP = 50;

/**
 * Workload 7, handshakes: `clients` connections made `inFlight` at a time over the run's transport, each
 * until its `connect`, then all closed. `mode` is RelayKit's auth mode: `anonymous` (the default), or
 * `jwt`, where each client presents its own HS256 token (signed before the clock starts) that the relay
 * verifies with jose and turns into an identity. The bare server ignores the token. Reports connections
 * a second, handshake latency and server CPU per connection, after 50 unmeasured handshakes.
 */
export function handshakeCase(mode: 'anonymous' | 'jwt', clients: number, inFlight = 16): WorkloadCase {
  return {
    id: `handshake-${mode}`,
    workload: 'handshake',
    title: `Handshakes: ${clients} connections, ${inFlight} at a time, ${mode === 'jwt' ? 'jwt auth mode (HS256 token)' : 'anonymous'}`,
    params: { clients, inFlight, mode },
    metrics: [
      { key: 'perSecond', headline: true, label: 'connections/s', unit: '', better: 'higher' },
      { key: 'p50', label: 'handshake p50', unit: 'ms', better: 'lower', digits: 2 },
      { key: 'p99', headline: true, label: 'handshake p99', unit: 'ms', better: 'lower', digits: 2 },
      {
        key: 'cpuPerConnection',
        headline: true,
        label: 'server CPU per connection',
        unit: 'µs',
        better: 'lower',
      },
    ],
    setup: (target) =>
      target === 'bare'
        ? BARE_SETUP
        : mode === 'jwt'
          ? relaykitSetup({ auth: { mode: 'jwt', jwtSecret: BENCH_JWT_SECRET } }, [
              'RelayKit in jwt auth mode (HS256)',
            ])
          : relaykitSetup({}),
    run: async (server, settings) => {
      const tokens = await benchTokens(clients);
      // Unmeasured first handshakes warm both sides' code paths (the first case of a run is cold otherwise).
      const warm = Array.from({ length: WARMUP }, (_, i) =>
        openClient(server.url, settings.transport, { name: `warm ${i}`, token: tokens[i] }),
      );
      await Promise.all(warm.map((socket) => whenConnected(socket)));
      for (const socket of warm) socket.disconnect();
      const sockets: ReturnType<typeof openClient>[] = [];
      const latencies: number[] = [];
      let next = 0;
      const before = await server.stats();
      const started = performance.now();
      const lane = async () => {
        while (next < clients) {
          const i = next;
          next += 1;
          const at = performance.now();
          const socket = openClient(server.url, settings.transport, { name: `user ${i}`, token: tokens[i] });
          sockets.push(socket);
          await whenConnected(socket);
          latencies.push(performance.now() - at);
        }
      };
      try {
        await Promise.all(Array.from({ length: Math.min(inFlight, clients) }, lane));
        const elapsedMs = performance.now() - started;
        const after = await server.stats();
        const { p50, p99 } = summarise(latencies);
        return {
          perSecond: (clients / elapsedMs) * 1000,
          p50,
          p99,
          cpuPerConnection: ((after.cpuMs - before.cpuMs) / clients) * 1000,
        };
      } finally {
        for (const socket of sockets) socket.disconnect();
      }
    },
  };
}

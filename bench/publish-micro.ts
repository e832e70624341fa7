// Micro-benchmark of the publish path alone: Relay.publish with no clients connected, so what is left is
// RelayKit's per-message work (validation, limits, ids, metadata, observers) plus socket.io's encoding.
// Usage: tsx bench/publish-micro.ts [COUNT] [string|object]; pairs with --cpu-prof for profiles.
import { createRelayServer } from '../src/index.js';

const count = Number(process.argv[2] ?? 200_000);
const kind = process.argv[3] === 'object' ? 'object' : 'string';
const content =
  kind === 'string'
    ? 'x'.repeat(100)
    : { text: 'x'.repeat(60), seq: 1, tags: ['a', 'b'], nested: { ok: true, score: 1.5 } };

for (const recovery of [true, false]) {
  const server = createRelayServer({
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    rateLimit: false,
    ...(recovery ? {} : { recoveryWindowMs: 0 }),
  });
  await server.listen();
  const from = { id: 'bench', name: 'bench', kind: 'user' } as const;
  const run = (n: number) => {
    const started = performance.now();
    for (let i = 0; i < n; i += 1) server.relay.publish(content, { from, room: 'lobby', socketId: 'nobody' });
    return ((performance.now() - started) * 1000) / n;
  };
  run(Math.min(20_000, count)); // warm-up
  const perCall = run(count);
  console.log(`${kind} content, recovery ${recovery ? 'on' : 'off'}: ${perCall.toFixed(2)} µs per publish`);
  await server.close();
}

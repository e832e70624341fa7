// RelayKit as users run it: createRelayServer with every default feature on (validation, metadata,
// metrics, rate limits, recovery, info logs). The orchestrator only passes what a workload needs
// (a raised rate limit for a fast sender, API tokens, plugins), and each change is reported as a note.
import { createRelayServer, type RelayServerOptions } from '../../src/index.js';
import { runServerChild, serverOptions } from './server-child.js';

interface RelayKitOptions {
  readonly relay: RelayServerOptions;
  readonly notes: readonly string[];
}

await runServerChild(async () => {
  const options = serverOptions<RelayKitOptions>();
  const server = createRelayServer({ ...options.relay, port: 0, host: '127.0.0.1' });
  const { port } = await server.listen();
  return { port, notes: options.notes ?? [], close: () => server.close() };
});

// RelayKit as users run it: createRelayServer with every default feature on (validation, metadata,
// metrics, rate limits, recovery, info logs). The orchestrator only passes what a workload needs
// (a raised rate limit for a fast sender, API tokens, plugins), and each change is reported as a note.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRelayServer, type RelayServerOptions } from '../../src/index.js';
import { runServerChild, serverOptions } from './server-child.js';

interface RelayKitOptions {
  readonly relay: RelayServerOptions;
  readonly notes: readonly string[];
}

await runServerChild(async () => {
  const options = serverOptions<RelayKitOptions>();
  // History is on by default, in a file: each server process gets a fresh one, so rounds do not share it.
  // RELAYKIT_BENCH_HISTORY=off measures RelayKit without it, to tell what the history costs.
  const dir = mkdtempSync(join(tmpdir(), 'relaykit-bench-'));
  const server = createRelayServer({
    history: process.env.RELAYKIT_BENCH_HISTORY === 'off' ? false : { store: join(dir, 'history.db') },
    ...options.relay,
    port: 0,
    host: '127.0.0.1',
  });
  const { port } = await server.listen();
  const close = async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { port, notes: options.notes ?? [], close };
});

import { createRelayServer, type RelayServer, type RelayServerOptions } from '../../src/index.js';
import { captureLogs, type LogLine } from './capture-logs.js';
import { track } from './cleanup.js';

/**
 * Every store of a relay in memory: spread first into the options of a relay a test makes itself, so
 * that no test writes the working directory's `.relaykit/` (the stores' default place), nor shares jobs,
 * messages, hooks or deliveries with another through it.
 */
export const IN_MEMORY_STORES = {
  scheduler: { store: ':memory:' },
  hooks: { store: ':memory:' },
  webhooks: { store: ':memory:' },
  history: { store: ':memory:' },
} as const satisfies RelayServerOptions;

/**
 * A relay on an ephemeral port with captured logs; closed after the test. Its scheduler, history, hooks
 * and webhooks keep their stores in memory unless the test gives one, so tests never share jobs,
 * messages, hooks or deliveries through `.relaykit/`.
 */
export async function startRelay(options: RelayServerOptions = {}): Promise<{
  server: RelayServer;
  url: string;
  logs: LogLine[];
}> {
  const capture = captureLogs();
  const server = track(
    createRelayServer({
      port: 0,
      host: '127.0.0.1',
      logger: capture.logger,
      ...options,
      scheduler: { store: ':memory:', ...options.scheduler },
      hooks: { store: ':memory:', ...options.hooks },
      webhooks: { store: ':memory:', ...options.webhooks },
      history: options.history === false ? false : { store: ':memory:', ...options.history },
    }),
    (s) => s.close(),
  );
  const { url } = await server.listen();
  return { server, url, logs: capture.lines };
}

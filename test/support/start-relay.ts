import { createRelayServer, type RelayServer, type RelayServerOptions } from '../../src/index.js';
import { captureLogs, type LogLine } from './capture-logs.js';
import { track } from './cleanup.js';

/**
 * A relay on an ephemeral port with captured logs; closed after the test. Its scheduler keeps its store
 * in memory unless the test gives one, so tests never share jobs through `.relaykit/schedules.db`; so does
 * its history (`.relaykit/history.db`).
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
      history: options.history === false ? false : { store: ':memory:', ...options.history },
    }),
    (s) => s.close(),
  );
  const { url } = await server.listen();
  return { server, url, logs: capture.lines };
}

import { createRelayServer, type RelayServer, type RelayServerOptions } from '../../src/index.js';
import { captureLogs, type LogLine } from './capture-logs.js';
import { track } from './cleanup.js';

/** A relay on an ephemeral port with captured logs; closed after the test. */
export async function startRelay(options: RelayServerOptions = {}): Promise<{
  server: RelayServer;
  url: string;
  logs: LogLine[];
}> {
  const capture = captureLogs();
  const server = track(
    createRelayServer({ port: 0, host: '127.0.0.1', logger: capture.logger, ...options }),
    (s) => s.close(),
  );
  const { url } = await server.listen();
  return { server, url, logs: capture.lines };
}

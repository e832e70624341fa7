import { once } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from './config-error.js';
import { RelayError } from './relay-error.js';
import type { RelayAddress } from './relay-lifecycle.js';

/**
 * Makes `server` listen on `port`/`host` (unless it listens already) and resolves with where it can be
 * reached: `url` names loopback for a server on all interfaces. Rejects with `RELAY_ERR_PORT_IN_USE`
 * when the port is taken, and with `RELAY_ERR_CONFIG_INVALID` naming `host` when the host is no
 * address of this machine, or `port` when the port needs privileges the process lacks.
 *
 * @example
 * ```ts
 * const { url } = await listenHttp(createServer(app), 0, '127.0.0.1');
 * ```
 */
export async function listenHttp(server: HttpServer, port: number, host?: string): Promise<RelayAddress> {
  if (!server.listening) {
    // The 'error' wait is cancelled once listening, so it does not swallow the server's later errors.
    const bound = new AbortController();
    const failed = once(server, 'error', { signal: bound.signal }).catch(() => undefined);
    server.listen(port, host);
    const outcome = await Promise.race([once(server, 'listening').then(() => undefined), failed]);
    bound.abort();
    if (outcome) {
      const error = outcome[0] as NodeJS.ErrnoException;
      if (error.code === 'EADDRINUSE') {
        throw new RelayError('RELAY_ERR_PORT_IN_USE', `port ${port} is in use`, { cause: error });
      }
      // A port below the system's first unprivileged one (1024 by default) needs root or a capability.
      if (error.code === 'EACCES') {
        throw new ConfigError(
          'port',
          'the relay settings',
          `${port} needs privileges this process does not have (EACCES); use a port from 1024 up (the default is 3000) and put a reverse proxy in front, or grant node CAP_NET_BIND_SERVICE`,
        );
      }
      // A host that is not a name or an address of this machine: a setting to correct, not a crash.
      if (error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN' || error.code === 'EADDRNOTAVAIL') {
        throw new ConfigError(
          'host',
          'the relay settings',
          `${JSON.stringify(host)} is not an address of this machine (${error.code}); use 0.0.0.0 for every interface, 127.0.0.1 for this machine only, or one of its own addresses`,
        );
      }
      throw error;
    }
  }
  const info = server.address() as AddressInfo;
  const shown = info.address === '::' || info.address === '0.0.0.0' ? '127.0.0.1' : info.address;
  const urlHost = shown.includes(':') ? `[${shown}]` : shown;
  return { port: info.port, host: info.address, url: `http://${urlHost}:${info.port}` };
}

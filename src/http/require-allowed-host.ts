import type { RequestHandler } from 'express';
import type { HostGuard } from '../relay/create-host-guard.js';
import { RelayError } from '../relay/relay-error.js';
import { sendProblem } from './send-problem.js';

/**
 * Answers a request whose `Host` the relay is not meant to be reached by (see createHostGuard) with a 403
 * `RELAY_ERR_HOST_NOT_ALLOWED` problem, before any route: a DNS-rebinding page gets neither the API, the
 * metrics nor the chat page. 403 rather than 421 Misdirected Request: socket.io's handshake refusal can
 * only be a 403, and one code keeps one status; 421 also tells HTTP/2 clients to retry on another
 * connection, which would only repeat the refusal. The guard logs the refused names, so this does not.
 *
 * @example
 * ```ts
 * app.use(requireAllowedHost(createHostGuard({ allowedHosts: [], origins: [] })));
 * ```
 */
export function requireAllowedHost(hosts: HostGuard): RequestHandler {
  return (req, res, next) => {
    const host = hosts.requestHost(req.headers);
    if (host === undefined || hosts.isAllowed(host)) {
      next();
      return;
    }
    const detail = `this relay does not answer for the host "${hosts.hostnameOf(host)}"`;
    sendProblem(req, res, new RelayError('RELAY_ERR_HOST_NOT_ALLOWED', detail));
  };
}

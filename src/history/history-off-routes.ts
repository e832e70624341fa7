import { Router } from 'express';
import { requireScope } from '../http/require-scope.js';
import { RelayError } from '../relay/relay-error.js';

/**
 * The history routes of a relay that keeps none (`history: false`): the same paths and scopes, each
 * answering 404 `RELAY_ERR_HISTORY_OFF`, so that a client learns the history is off rather than that
 * the route does not exist.
 *
 * @example
 * ```ts
 * if (config.history === false) api.v1.use(historyOffRoutes());
 * ```
 */
export function historyOffRoutes(): Router {
  const router = Router();
  const off = () => {
    throw new RelayError('RELAY_ERR_HISTORY_OFF', 'this relay keeps no history (history: false)');
  };
  router.get(['/rooms/:room/messages', '/rooms/:room/events', '/messages/:id'], requireScope('read'), off);
  router.delete('/messages/:id', requireScope('admin'), off);
  return router;
}

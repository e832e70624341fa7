import { Router } from 'express';
import { listMembers } from '../relay/list-members.js';
import type { RelayIo } from '../relay/relay-io.js';
import type { components } from './openapi-types.js';
import { requireScope } from './require-scope.js';

type RoomMembers = components['schemas']['RoomMembers'];

/**
 * `GET /rooms/{room}/members` (under `/v1`, `read` scope): who is online in a room, deduplicated by user
 * and asked of every node of a cluster (see `listMembers`).
 *
 * @example
 * ```ts
 * v1.use(membersRouter({ io }));
 * ```
 */
export function membersRouter(deps: { io: RelayIo }): Router {
  const router = Router();
  router.get('/rooms/:room/members', requireScope('read'), async (req, res) => {
    const room = String(req.params.room);
    const page = await listMembers(deps.io, room);
    const body: RoomMembers = { room, ...page };
    res.json(body);
  });
  return router;
}

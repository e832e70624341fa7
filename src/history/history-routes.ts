import { type Request, Router } from 'express';
import type { Logger } from 'pino';
import { authenticatedToken } from '../http/authenticate-bearer.js';
import type { components } from '../http/openapi-types.js';
import type { ApiToken } from '../http/parse-api-tokens.js';
import { RequestFieldError } from '../http/request-field-error.js';
import { requireScope } from '../http/require-scope.js';
import { EpisodeLog } from '../relay/episode-log.js';
import type { MessageRedactedEvent } from '../relay/events.js';
import { checkCursor, checkHistoryQuery, isMessageId } from '../relay/history-query.js';
import type { Relay } from '../relay/relay.js';
import { RelayError } from '../relay/relay-error.js';
import type { RelayIo } from '../relay/relay-io.js';
import type { RelayLifecycle } from '../relay/relay-lifecycle.js';
import { BOTS_ROOM, roomKey } from '../relay/room-name.js';
import type { HistoryStore } from './history-store.js';
import { RoomEventStream, setEventStreamHeaders } from './room-event-stream.js';

type HistoryPage = components['schemas']['HistoryPage'];
type Message = components['schemas']['Message'];

// A Server-Sent Events reader whose write buffer stays full this long is cut, as slow sockets are.
const SLOW_READER_MS = 30_000;
/**
 * Event streams one API token may hold open on one node. Each costs a connection, a heartbeat timer and
 * a read of the log per commit to its room: without a bound, one token could open them until the node
 * ran out of file descriptors.
 */
export const MAX_STREAMS_PER_TOKEN = 32;

/**
 * The history routes of the HTTP API (under `/v1`): `GET /rooms/{room}/messages` and
 * `GET /messages/{id}` (`read` scope), `GET /rooms/{room}/events` (Server-Sent Events, `read`) and
 * `DELETE /messages/{id}` (`admin`), which also tells the room's sockets (`messageRedacted`) and
 * streams. `close()` ends every open stream.
 *
 * @example
 * ```ts
 * const routes = historyRoutes({ log, relay, io, lifecycle: server, logger });
 * api.v1.use(routes.router);
 * ```
 */
export function historyRoutes(deps: {
  log: HistoryStore;
  relay: Relay;
  io: RelayIo;
  lifecycle: RelayLifecycle;
  logger: Logger;
  /** How long a stream's reader may leave its buffer full before it is cut (ms); default 30 s. */
  slowReaderMs?: number;
  /** How often an idle stream sends a comment line (ms); default 15 s. */
  heartbeatMs?: number;
}): { router: Router; close(): void } {
  const { log, io, logger } = deps;
  const router = Router();
  const read = requireScope('read');
  const streams = new Set<RoomEventStream>();
  const heldBy = new Map<string, number>();
  // A reader that never reads is cut every slowReaderMs, and reconnects: one line per token while that
  // goes on (cuts closer than a minute apart), and a summary with the count when it stops.
  const cuts = new EpisodeLog<{ room: string }>({
    quietMs: 60_000,
    ended: ({ key, count }) =>
      logger.warn({ token: key, cuts: count }, 'event stream readers of a token too slow: cuts ended'),
  });
  const stopFollowing = log.onAppended((rooms) => {
    for (const stream of streams) if (rooms.has(null) || rooms.has(stream.room)) stream.pump();
  });
  const tellStreams = (event: MessageRedactedEvent) => {
    for (const stream of streams)
      if (event.room === null || stream.room === event.room) stream.redacted(event);
  };
  // A shared store's redactions made on other nodes reach this node's streams (its sockets hear them
  // through the cluster's adapter).
  const stopHearing = log.onRedactedElsewhere?.(tellStreams);
  const messageId = (req: Request) => {
    const id = String(req.params.id);
    if (!isMessageId(id))
      throw new RequestFieldError('RELAY_ERR_INVALID_REQUEST', 'id', 'not a message id (a UUID)');
    return id;
  };

  router.get('/rooms/:room/messages', read, async (req, res) => {
    const query = checkHistoryQuery({ ...pick(req.query), room: req.params.room }, '');
    const page = await deps.relay.readHistory(query);
    const body: HistoryPage = { messages: [...page.messages], more: page.more };
    res.json(body);
  });

  router.get('/messages/:id', read, async (req, res) => {
    const id = messageId(req);
    const found = await log.get(id);
    if (!found) throw new RelayError('RELAY_ERR_MESSAGE_NOT_FOUND', `message ${id} is not in the history`);
    const body: Message = found;
    res.json(body);
  });

  router.delete('/messages/:id', requireScope('admin'), async (req, res) => {
    const id = messageId(req);
    const removed = await log.redact(id);
    if (!removed) throw new RelayError('RELAY_ERR_MESSAGE_NOT_FOUND', `message ${id} is not in the history`);
    const event = { id, room: removed.room };
    const to = removed.room === null ? io : io.to([roomKey(removed.room), BOTS_ROOM]);
    to.emit('messageRedacted', event);
    tellStreams(event);
    logger.info({ id, room: removed.room }, 'message redacted');
    res.status(204).end();
  });

  router.get('/rooms/:room/events', read, (req, res) => {
    const room = String(req.params.room);
    roomKey(room);
    const last = req.get('last-event-id') ?? pick(req.query).lastEventId;
    if (last !== undefined) checkCursor(last, 'Last-Event-ID');
    if (req.method === 'HEAD') {
      setEventStreamHeaders(res);
      res.end();
      return;
    }
    const { name } = authenticatedToken(res) as ApiToken;
    const held = heldBy.get(name) ?? 0;
    if (held >= MAX_STREAMS_PER_TOKEN) {
      throw new RelayError(
        'RELAY_ERR_TOO_MANY_STREAMS',
        `token "${name}" holds ${held} event streams on this relay, the most one token may; close one first`,
      );
    }
    heldBy.set(name, held + 1);
    // Read through the relay, whose pages are bounded in bytes whatever maxContentBytes allows.
    const stream = new RoomEventStream(
      res,
      { read: (query) => deps.relay.readHistory(query) },
      {
        room,
        after: last,
        slowReaderMs: deps.slowReaderMs ?? SLOW_READER_MS,
        ...(deps.heartbeatMs === undefined ? {} : { heartbeatMs: deps.heartbeatMs }),
        onCut: () => {
          if (cuts.note(name, { room })) {
            logger.warn(
              { room, token: name, code: 'RELAY_ERR_SEND_QUEUE_FULL' },
              'event stream reader too slow: cut (logged once while the cuts of its token go on)',
            );
          }
        },
      },
    );
    streams.add(stream);
    res.on('close', () => {
      streams.delete(stream);
      const left = (heldBy.get(name) ?? 1) - 1;
      if (left === 0) heldBy.delete(name);
      else heldBy.set(name, left);
    });
  });

  // Open streams would keep the HTTP server from closing: they end when the relay starts closing.
  deps.lifecycle.onPreClose(() => {
    for (const stream of streams) stream.close();
    cuts.close();
  });
  return {
    router,
    close() {
      stopFollowing();
      stopHearing?.();
      for (const stream of streams) stream.close();
    },
  };
}

// The query string's values; a key given twice (Express makes it an array) is refused, not guessed at.
function pick(query: Request['query']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of ['before', 'after', 'limit', 'lastEventId']) {
    const value = query[key];
    if (typeof value === 'string') out[key] = value;
    else if (value !== undefined)
      throw new RequestFieldError('RELAY_ERR_INVALID_REQUEST', key, 'give it once');
  }
  return out;
}

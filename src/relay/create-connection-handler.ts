import type { Logger } from 'pino';
import { type BotSendRequest, checkBotSendOptions } from './bot-send-options.js';
import { TooManyArguments, tooManyArguments } from './bounded-parser.js';
import { closeAtExpiry } from './close-at-expiry.js';
import { Connection, type ConnectionSettings, type RelaySocket, type Reply } from './connection.js';
import { CLIENT_EVENTS, type MessageSender } from './events.js';
import { handshakeFlags } from './handshake-flags.js';
import { extraHistoryTokens } from './history-cost.js';
import { checkHistoryQuery } from './history-query.js';
import { extraMembersTokens, listMembers, membersRoom } from './list-members.js';
import type { Delivery } from './publish-options.js';
import type { Published } from './published.js';
import type { Relay } from './relay.js';
import { RelayError } from './relay-error.js';
import { checkRoomGrant } from './room-grants.js';
import { BOTS_ROOM, LOBBY, roomKey } from './room-name.js';
import { joinUserRoom, RoomPresence, readWatchPresence } from './room-presence.js';
import { showValue } from './show-value.js';
import { SYSTEM_SENDER } from './system-sender.js';

type Handler = (connection: Connection, args: unknown[], reply: Reply | undefined) => void;

/**
 * Returns the `connection` listener that gives a socket the seed's semantics: a greeting, `sendMessage`
 * routed by the configured mode, `join`/`leave` for rooms, and a typed refusal for everything else.
 */
export function createConnectionHandler(deps: {
  relay: Relay;
  config: ConnectionSettings;
  logger: Logger;
}): (socket: RelaySocket) => void {
  const { relay, config, logger } = deps;
  const connections = new WeakMap<RelaySocket, Connection>();
  const rooms = new RoomPresence();

  // Every listener goes through here: a throwing handler must never reach socket.io's emitter. The
  // listeners are shared by all sockets; socket.io calls each with `this` set to the socket.
  const listener = (event: string, handler: Handler) =>
    function (this: RelaySocket, ...args: unknown[]) {
      const connection = connections.get(this) as Connection;
      const last = args[args.length - 1];
      const reply = typeof last === 'function' ? (last as Reply) : undefined;
      if (reply) args.pop();
      try {
        if (args[0] instanceof TooManyArguments) {
          connection.takeToken(relay);
          const error = tooManyArguments(event, args[0]);
          relay.reportRejected(error, connection.from);
          connection.refuse(relay, event, error, reply);
          return;
        }
        handler(connection, args, reply);
      } catch (error) {
        const relayError = RelayError.from(error, `handling "${event}" failed`);
        if (relayError.code === 'RELAY_ERR_INTERNAL') {
          connection.log.error({ err: error, event }, 'handler failed');
        }
        connection.refuse(relay, event, relayError, reply);
      }
    };

  const onSendMessage = listener('sendMessage', (connection, [content], reply) => {
    const { socket, from } = connection;
    let published: Published;
    try {
      checkRoomGrant(socket.data.rooms, socket.data.room, 'send to');
      published = relay.publish(content, {
        from,
        room: socket.data.room,
        delivery: config.routing,
        socketId: socket.id,
        limiter: connection.limiter,
      });
    } catch (error) {
      // Logged and counted once: by publish, or by refuse for the room check.
      connection.refuse(relay, 'sendMessage', RelayError.from(error, 'publish failed'), reply);
      return;
    }
    answer(connection, relay, 'sendMessage', published, reply);
  });

  const onJoin = listener('join', (connection, [room], reply) => {
    connection.takeToken(relay);
    connection.refuseBot('join');
    const key = roomKey(room);
    checkRoomGrant(connection.socket.data.rooms, room as string, 'join');
    moveTo(connection.socket, key, room as string, connection.from, rooms);
    connection.log.debug({ room }, 'joined room');
    reply?.({ ok: true, room: room as string });
  });

  const onLeave = listener('leave', (connection, _args, reply) => {
    connection.takeToken(relay);
    connection.refuseBot('leave');
    checkRoomGrant(connection.socket.data.rooms, LOBBY, 'join');
    moveTo(connection.socket, roomKey(LOBBY), LOBBY, connection.from, rooms);
    connection.log.debug('left room for the lobby');
    reply?.({ ok: true, room: LOBBY });
  });

  const onBotMessage = listener('botMessage', (connection, [content, options], reply) => {
    const { from } = connection;
    if (!connection.isBot) {
      connection.takeToken(relay);
      throw new RelayError('RELAY_ERR_FORBIDDEN', 'botMessage is for bot connections');
    }
    let sendOptions: BotSendRequest;
    try {
      sendOptions = checkBotSendOptions(options);
    } catch (error) {
      relay.reportRejected(RelayError.from(error, 'bad botMessage options'), from);
      throw error;
    }
    let published: Published;
    try {
      published = relay.publish(content, { from, limiter: connection.limiter, ...sendOptions });
    } catch (error) {
      connection.refuse(relay, 'botMessage', RelayError.from(error, 'publish failed'), reply);
      return;
    }
    answer(connection, relay, 'botMessage', published, reply);
  });

  // A history read takes a token like any event, and more for a large answer (history-cost.ts); reads run
  // one at a time per socket, so that those charges hold against a burst (Connection.readInTurn). The
  // answer goes through the ack only; a request without one is refused, since it could not be answered.
  const onHistory = listener('history', (connection, [request], reply) => {
    connection.takeToken(relay);
    if (!reply) throw new RelayError('RELAY_ERR_INVALID_OPTIONS', 'history needs an ack callback to answer');
    const query = checkHistoryQuery(request, connection.socket.data.room);
    checkRoomGrant(connection.socket.data.rooms, query.room, 'read the history of');
    connection.readInTurn(relay, 'history', reply, () =>
      relay.readHistory(query).then(
        (page) => {
          connection.limiter?.charge(extraHistoryTokens(page.messages));
          reply({ ok: true, messages: page.messages, more: page.more });
        },
        (error: unknown) => {
          const relayError = RelayError.from(error, 'reading history failed');
          if (relayError.code === 'RELAY_ERR_INTERNAL')
            connection.log.error({ err: error }, 'history read failed');
          connection.refuse(relay, 'history', relayError, reply);
        },
      ),
    );
  });

  // Like history: a request answered through its ack only, costing a token and more for a large room
  // (extraMembersTokens), for a room the token grants, one read at a time per socket.
  const onMembers = listener('members', (connection, [request], reply) => {
    connection.takeToken(relay);
    if (!reply) throw new RelayError('RELAY_ERR_INVALID_OPTIONS', 'members needs an ack callback to answer');
    const { socket } = connection;
    const room = membersRoom(request, socket.data.room);
    checkRoomGrant(socket.data.rooms, room, 'list the members of');
    connection.readInTurn(relay, 'members', reply, () =>
      listMembers(socket.nsp, room).then(
        (page) => {
          // A bot's bucket is its send limit: a list of a large room must not stop its answers.
          if (!connection.isBot) connection.limiter?.charge(extraMembersTokens(page.total));
          reply({ ok: true, room, ...page });
        },
        // An ack is owed whatever happened: an adapter that failed is the relay's fault, and logged.
        (error: unknown) => {
          connection.log.error({ err: error }, 'members listing failed');
          connection.refuse(relay, 'members', RelayError.from(error, 'listing members failed'), reply);
        },
      ),
    );
  });

  function onAnyEvent(this: RelaySocket, event: string, ...args: unknown[]): void {
    if (CLIENT_EVENTS.has(event)) return;
    const connection = connections.get(this) as Connection;
    const last = args[args.length - 1];
    const reply = typeof last === 'function' ? (last as Reply) : undefined;
    try {
      connection.takeToken(relay);
      const error = new RelayError(
        'RELAY_ERR_UNKNOWN_EVENT',
        `event ${showValue(event)} is not part of the relay's protocol`,
      );
      relay.reportRejected(error, connection.from);
      connection.refuse(relay, String(event), error, reply);
    } catch (error) {
      connection.refuse(
        relay,
        String(event),
        RelayError.from(error, 'refusing an unknown event failed'),
        reply,
      );
    }
  }

  function onDisconnect(this: RelaySocket, reason: string): void {
    const connection = connections.get(this) as Connection;
    connection.log.info({ reason }, 'client disconnected');
    if (connection.from.kind === 'user') rooms.left(this, connection.from, this.data.room);
  }

  return (socket) => {
    const connection = new Connection(socket, config, logger);
    connections.set(socket, connection);
    const { from, isBot } = connection;

    // socket.io restores rooms of a recovered socket; a fresh one joins its first room now.
    // Bots sit in BOTS_ROOM, which every room's messages and presence events also go to.
    if (!socket.recovered) socket.join(isBot ? BOTS_ROOM : roomKey(socket.data.room));
    // A person's own room carries the private messages to them (Relay.publish's `to`).
    if (!isBot) {
      readWatchPresence(socket);
      joinUserRoom(socket, from.userId);
    }
    // The same line a child logger would write, without keeping one for a socket that may never log again.
    logger.info(
      {
        socket: from.id,
        name: from.name,
        room: socket.data.room,
        kind: from.kind,
        recovered: socket.recovered,
        transport: socket.conn.transport.name,
      },
      'client connected',
    );
    const { reconnect, greetSelf } = handshakeFlags(socket);
    const delivery = isBot || reconnect ? undefined : greetingDelivery(config.greeting, greetSelf);
    if (delivery) {
      try {
        relay.publish(config.greetingText, {
          from: SYSTEM_SENDER,
          room: socket.data.room,
          delivery,
          socketId: socket.id,
        });
      } catch {
        // Refused (the relay is shutting down, or its Redis is away) and already logged by publish; a
        // throw here would escape socket.io's connection emitter and crash the process.
      }
    }
    // A recovered connection is announced too: its drop was a leave, and followers keep lists.
    if (from.kind === 'user') rooms.entered(socket, from, { resumed: reconnect });

    socket.on('sendMessage', onSendMessage);
    socket.on('join', onJoin);
    socket.on('leave', onLeave);
    socket.on('botMessage', onBotMessage);
    socket.on('history', onHistory);
    socket.on('members', onMembers);
    socket.onAny(onAnyEvent);
    socket.on('disconnect', onDisconnect);
    closeAtExpiry(socket);
  };
}

// The ack says ok once the message is out: at once on a single node, once committed in a cluster.
function answer(
  connection: Connection,
  relay: Relay,
  event: string,
  published: Published,
  reply: Reply | undefined,
): void {
  const { id, committed } = published;
  if (committed === undefined) {
    reply?.({ ok: true, id });
    return;
  }
  committed
    .then(
      () => reply?.({ ok: true, id }),
      (error: unknown) => connection.refuse(relay, event, RelayError.from(error, 'publish failed'), reply),
    )
    // As the listener wrapper does for synchronous handlers: never an unhandled rejection.
    .catch((error: unknown) => connection.log.error({ err: error, event }, 'handler failed'));
}

function moveTo(
  socket: RelaySocket,
  key: string,
  room: string,
  from: MessageSender,
  rooms: RoomPresence,
): void {
  const previous = socket.data.room;
  if (previous === room) return;
  socket.leave(roomKey(previous));
  rooms.left(socket, from, previous);
  socket.join(key);
  socket.data.room = room;
  rooms.entered(socket, from, {});
}

// Who hears a new socket's greeting: a socket that writes its own notice (`auth.greet: false`) is left
// out of `self` and `all`, and the others in the room still hear about it.
function greetingDelivery(mode: ConnectionSettings['greeting'], greetSelf: boolean): Delivery | undefined {
  if (mode === 'none') return undefined;
  if (greetSelf) return mode === 'self' ? 'echo' : mode;
  return mode === 'self' ? undefined : 'others';
}

import type { Logger } from 'pino';
import type { Socket } from 'socket.io';
import type { RelayConfig } from '../config/relay-config-schema.js';
import {
  CLIENT_EVENTS,
  type ClientToServerEvents,
  type InterServerEvents,
  type Sender,
  type ServerToClientEvents,
  type SocketData,
  type WireError,
} from './events.js';
import type { Relay } from './relay.js';
import { RelayError } from './relay-error.js';
import { BOTS_ROOM, LOBBY, roomKey } from './room-name.js';
import { SYSTEM_SENDER } from './system-sender.js';
import { TokenBucket } from './token-bucket.js';

type RelaySocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
type Reply = (answer: { ok: true; [key: string]: unknown } | { ok: false; error: WireError }) => void;

/**
 * Returns the `connection` listener that gives a socket the seed's semantics: a greeting, `sendMessage`
 * routed by the configured mode, `join`/`leave` for rooms, and a typed refusal for everything else.
 */
export function createConnectionHandler(deps: {
  relay: Relay;
  config: RelayConfig;
  logger: Logger;
}): (socket: RelaySocket) => void {
  const { relay, config, logger } = deps;

  return (socket) => {
    const from: Sender = { id: socket.id, name: socket.data.name, kind: socket.data.kind };
    const isBot = from.kind === 'bot';
    // A bot is its own connection, so its socket's bucket is the per-bot send limit.
    const limits = isBot ? config.botRateLimit : config.rateLimit;
    const limiter = limits ? new TokenBucket(limits) : undefined;
    const log = logger.child({ socket: socket.id, name: from.name });

    // socket.io restores rooms of a recovered socket; a fresh one joins its first room now.
    // Bots sit in BOTS_ROOM, which every room's messages and presence events also go to.
    if (!socket.recovered) socket.join(isBot ? BOTS_ROOM : roomKey(socket.data.room));
    log.info(
      {
        room: socket.data.room,
        kind: from.kind,
        recovered: socket.recovered,
        transport: socket.conn.transport.name,
      },
      'client connected',
    );
    if (!socket.recovered && config.greeting !== 'none' && !isBot) {
      try {
        relay.publish(config.greetingText, {
          from: SYSTEM_SENDER,
          room: socket.data.room,
          delivery: config.greeting === 'self' ? 'echo' : config.greeting,
          socketId: socket.id,
        });
      } catch {
        // Refused (the relay is shutting down) and already logged by publish; a throw here would
        // escape socket.io's connection emitter and crash the process.
      }
    }
    if (!socket.recovered && from.kind === 'user') presence(socket, 'join', from);

    // Refuses what a client sent: through its ack when it gave one, else with a `relayError` event.
    const refuse = (event: string, error: RelayError, reply: Reply | undefined) => {
      if (reply) reply({ ok: false, error: error.toWire() });
      else socket.emit('relayError', { ...error.toWire(), event });
    };

    // Every listener goes through here: a throwing handler must never reach socket.io's emitter.
    const listen = (event: string, handler: (args: unknown[], reply: Reply | undefined) => void) => {
      socket.on(event as keyof ClientToServerEvents, (...args: unknown[]) => {
        const last = args[args.length - 1];
        const reply = typeof last === 'function' ? (last as Reply) : undefined;
        if (reply) args.pop();
        try {
          handler(args, reply);
        } catch (error) {
          const relayError = RelayError.from(error, `handling "${event}" failed`);
          if (relayError.code === 'RELAY_ERR_INTERNAL') log.error({ err: error, event }, 'handler failed');
          refuse(event, relayError, reply);
        }
      });
    };

    // Limits every event a client sends, not only messages, so a flood of anything is cut short.
    const takeToken = () => {
      if (limiter && !limiter.take()) {
        const error = new RelayError(
          'RELAY_ERR_RATE_LIMITED',
          `client "${from.name}" is over its rate limit; next event allowed in ${limiter.msUntilNext()} ms`,
        );
        relay.reportRejected(error, from, limiter);
        throw error;
      }
    };

    listen('sendMessage', ([content], reply) => {
      try {
        const { id } = relay.publish(content, {
          from,
          room: socket.data.room,
          delivery: config.routing,
          socketId: socket.id,
          limiter,
        });
        reply?.({ ok: true, id });
      } catch (error) {
        // publish has logged and counted the refusal; only the answer is left to give.
        refuse('sendMessage', RelayError.from(error, 'publish failed'), reply);
      }
    });

    const refuseBot = (event: string) => {
      if (isBot) {
        throw new RelayError(
          'RELAY_ERR_FORBIDDEN',
          `bots hear every room and choose one per message (botMessage's room option); "${event}" is for people`,
        );
      }
    };

    listen('join', ([room], reply) => {
      takeToken();
      refuseBot('join');
      const key = roomKey(room);
      moveTo(socket, key, room as string, from);
      log.debug({ room }, 'joined room');
      reply?.({ ok: true, room: room as string });
    });

    listen('leave', (_args, reply) => {
      takeToken();
      refuseBot('leave');
      moveTo(socket, roomKey(LOBBY), LOBBY, from);
      log.debug('left room for the lobby');
      reply?.({ ok: true, room: LOBBY });
    });

    listen('botMessage', ([content, options], reply) => {
      if (!isBot) {
        takeToken();
        throw new RelayError('RELAY_ERR_FORBIDDEN', 'botMessage is for bot connections');
      }
      let sendOptions: ReturnType<typeof botSendOptions>;
      try {
        sendOptions = botSendOptions(options);
      } catch (error) {
        relay.reportRejected(RelayError.from(error, 'bad botMessage options'), from);
        throw error;
      }
      try {
        const { id } = relay.publish(content, { from, limiter, ...sendOptions });
        reply?.({ ok: true, id });
      } catch (error) {
        refuse('botMessage', RelayError.from(error, 'publish failed'), reply);
      }
    });

    socket.onAny((event: string, ...args: unknown[]) => {
      if (CLIENT_EVENTS.has(event)) return;
      const last = args[args.length - 1];
      const reply = typeof last === 'function' ? (last as Reply) : undefined;
      try {
        takeToken();
        const error = new RelayError(
          'RELAY_ERR_UNKNOWN_EVENT',
          `event ${JSON.stringify(event)} is not part of the relay's protocol`,
        );
        relay.reportRejected(error, from);
        refuse(String(event), error, reply);
      } catch (error) {
        refuse(String(event), RelayError.from(error, 'refusing an unknown event failed'), reply);
      }
    });

    socket.on('disconnect', (reason) => {
      log.info({ reason }, 'client disconnected');
      if (from.kind === 'user') presence(socket, 'leave', from);
    });
  };
}

// What a bot may say about its message; the relay checks the shape, publish checks room and hops.
function botSendOptions(options: unknown): { room: string | null; causedBy?: string; hops?: number } {
  const invalid = (detail: string) => new RelayError('RELAY_ERR_INVALID_OPTIONS', detail);
  if (options === undefined || options === null) return { room: null };
  if (typeof options !== 'object' || Array.isArray(options)) {
    throw invalid('botMessage options must be an object');
  }
  const { room, causedBy, hops } = options as Record<string, unknown>;
  if (room !== undefined && room !== null) roomKey(room);
  if (causedBy !== undefined && (typeof causedBy !== 'string' || causedBy === '' || causedBy.length > 128)) {
    throw invalid('causedBy must be the id of the message this one answers');
  }
  if (hops !== undefined && (typeof hops !== 'number' || !Number.isInteger(hops) || hops < 0)) {
    throw invalid(`hops must be a whole number >= 0, got ${JSON.stringify(hops)}`);
  }
  return {
    room: typeof room === 'string' ? room : null,
    ...(causedBy === undefined ? {} : { causedBy: causedBy as string }),
    ...(hops === undefined ? {} : { hops: hops as number }),
  };
}

function moveTo(socket: RelaySocket, key: string, room: string, from: Sender): void {
  const previous = socket.data.room;
  if (previous === room) return;
  socket.leave(roomKey(previous));
  presence(socket, 'leave', from);
  socket.join(key);
  socket.data.room = room;
  presence(socket, 'join', from);
}

// Presence goes to bots only: sending it to every room member would make each connection cost O(n).
function presence(socket: RelaySocket, type: 'join' | 'leave', user: Sender): void {
  socket.nsp
    .to(BOTS_ROOM)
    .emit('presence', { type, user, room: socket.data.room, at: new Date().toISOString() });
}

import type { Brain, Envelope, User } from 'hubot';
import { isAnonymousUserId } from '../relay/default-user-id.js';
import type { Sender } from '../relay/events.js';
import { LOBBY } from '../relay/room-name.js';
import { CONNECTION_USER, ConnectionUsers } from './connection-users.js';

/**
 * The relay's people as Hubot's brain users: who sent a message (a user kept in the brain, seen from
 * the message's room) and who a send is for (a room, or a person answered privately).
 *
 * @example
 * ```ts
 * const users = new RelayUsers(robot.brain, 1000);
 * const user = users.user(meta.from, meta.room ?? 'lobby');
 * users.target({ room: user.id }); // { room: 'general', to: user.id }: a private message
 * ```
 */
export class RelayUsers {
  readonly #brain: Brain;
  readonly #connection: ConnectionUsers;

  /** Keeps at most `maxConnectionUsers` users known by a connection id only (see ConnectionUsers). */
  constructor(brain: Brain, maxConnectionUsers: number) {
    this.#brain = brain;
    this.#connection = new ConnectionUsers(brain, maxConnectionUsers);
  }

  /** Takes in the users of a brain just loaded. */
  adopt(): void {
    this.#connection.adopt();
  }

  /** The brain user who sent from `from`, updated, as seen from `room` (its `room` is that one). */
  user(from: Sender, room: string): User {
    // The relay's user id: stable for verified people, bots and services; an anonymous person's
    // (`anon:<socket id>`) lasts one connection, so those users are kept only up to a bound.
    const id = from.userId ?? from.id;
    const perConnection = from.userId === undefined || isAnonymousUserId(from.userId);
    // No `room` here: Hubot's userForId makes a new User whenever the room differs, which would drop
    // what scripts keep on the user (hubot-auth's roles) each time the person speaks in another room.
    // The user is updated in place instead, and each message gets a view of it whose `room` is that
    // message's: `robot.messageRoom(res.message.user.room, …)` after an await must not answer in the
    // room of the person's next message. What a script sets on the view lands on the user.
    const user = this.#brain.userForId(id, {
      name: from.name,
      kind: from.kind,
      ...(perConnection ? { [CONNECTION_USER]: true } : {}),
    });
    user.name = from.name;
    user.room = room;
    user.kind = from.kind;
    if (perConnection) this.#connection.touch(id);
    let here = room;
    return new Proxy(user, {
      get: (target, key, receiver) => (key === 'room' ? here : Reflect.get(target, key, receiver)),
      set: (target, key, value, receiver) => {
        if (key !== 'room') return Reflect.set(target, key, value, receiver);
        here = value as string;
        return true;
      },
    });
  }

  /**
   * Where a send goes. Hubot scripts answer one person privately by naming their user id as the room
   * (`robot.send({ room: user.id }, …)`, as hubot-help's HUBOT_HELP_REPLY_IN_PRIVATE does): a room that is
   * the id of a person the robot knows is a private message to them, in the room they last spoke in. A
   * token's `sub` may also be a valid room name: for such a send the person wins, so that what a script
   * meant for one person never goes to a public room of the same name; an answer to a message in that
   * room stays in it.
   */
  target(envelope: Envelope): { room: string; to?: string } {
    const room = envelope.room ?? envelope.message?.room ?? envelope.user?.room ?? LOBBY;
    // An answer in the room of the message it answers (res.send, res.reply) is for that room, whoever
    // else shares its name: only a send naming someone, without a message, goes private.
    if (envelope.message !== undefined && room === envelope.message.room) return { room };
    const users = this.#brain.data.users as Record<string, User | undefined>;
    const person = Object.hasOwn(users, room) ? users[room] : undefined;
    // People only: a bot or a service (an HTTP sender, a schedule) gets no private message.
    if (person === undefined || (person.kind !== undefined && person.kind !== 'user')) return { room };
    return { room: typeof person.room === 'string' ? person.room : LOBBY, to: room };
  }
}

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { signDevToken } from '../auth/sign-dev-token.js';
import type { BotHistoryPage } from '../bots/bot-context.js';
import { BotHost } from '../bots/bot-host.js';
import type { BotDefinition } from '../bots/define-bot.js';
import { loadPlugin } from '../bots/load-plugin.js';
import { ManualBotScheduler } from '../bots/manual-bot-scheduler.js';
import { createLogger } from '../relay/create-logger.js';
import type { MessageContent } from '../relay/events.js';
import { checkHistoryQuery } from '../relay/history-query.js';
import { LOBBY } from '../relay/room-name.js';
import { createRelayServer, type RelayServerOptions } from '../server/create-relay-server.js';
import type { RelayServer } from '../server/relay-server.js';
import { connectTestbedUser, fromBot, type ReceivedMessage, type TestbedUser } from './testbed-user.js';

/** What to run in the testbed. */
export interface BotTestbedOptions {
  /** Bots to run: definitions, or plugin file paths. */
  readonly bots: ReadonlyArray<BotDefinition<unknown> | string>;
  /** Relay settings (port, host and logger are the testbed's); e.g. `{ bots: { welcome: { … } } }`. */
  readonly relay?: Omit<RelayServerOptions, 'port' | 'host' | 'logger' | 'plugins'>;
  /** Folder of the bots' stores; default a temporary folder removed by `close()`. */
  readonly storeDir?: string;
  /** Default deadline of waits (ms); default 3000. */
  readonly timeoutMs?: number;
  /**
   * `'jwt'`: the relay runs in jwt auth mode with a secret of the testbed's, and each user connects with
   * a token for the user id, roles and rooms `user()` is given. Default: anonymous people.
   */
  readonly auth?: 'anonymous' | 'jwt';
}

/** Who a testbed user is: room, and in `auth: 'jwt'` testbeds, their user id, roles and room grants. */
export interface TestbedUserOptions {
  /** Room to start in; default the lobby. */
  readonly room?: string;
  /** The token's `sub`; default the user's name. Needs `auth: 'jwt'`. */
  readonly userId?: string;
  /** The token's `roles`, e.g. `['admin']`. Needs `auth: 'jwt'`. */
  readonly roles?: readonly string[];
  /** The token's `rooms` grants (names, `team-*`); default every room. Needs `auth: 'jwt'`. */
  readonly rooms?: readonly string[];
}

/** A relay on an ephemeral port with bots running, and people to talk to them. */
export interface BotTestbed {
  readonly url: string;
  readonly server: RelayServer;
  /** The host running the bots (replaced by `restartBots()`). */
  readonly host: BotHost;
  /** The relay's and the bots' log lines, parsed. */
  readonly logs: ReadonlyArray<Record<string, unknown>>;
  /** Connects a person (default: `tester` in the lobby), as the user id and roles given (`auth: 'jwt'`). */
  user(name?: string, options?: TestbedUserOptions): Promise<TestbedUser>;
  /** Says `content` as `tester` in `room` (default the lobby) and resolves with the first bot reply to it. */
  ask(content: MessageContent, options?: { room?: string; timeoutMs?: number }): Promise<ReceivedMessage>;
  /** Says `content` and resolves with every bot reply to it within `withinMs` (default 300 ms): `[]` proves silence. */
  repliesTo(
    content: MessageContent,
    options?: { room?: string; withinMs?: number },
  ): Promise<ReceivedMessage[]>;
  /** The newest messages of `room` (default the lobby) in the relay's history, oldest first. */
  history(room?: string, options?: { limit?: number; before?: string }): Promise<BotHistoryPage>;
  /** Ids of the scheduled `bot.every` jobs (`bot:job`). */
  jobs(): string[];
  /** Runs one job now, without waiting for its time, and waits for it. */
  tick(jobId: string): Promise<void>;
  /** Runs every job (of one bot, given its name) once. */
  runJobs(bot?: string): Promise<string[]>;
  /** Stops every bot and starts them again from scratch with the same stores: a restart of the bot host. */
  restartBots(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts a relay on an ephemeral port (127.0.0.1), runs the given bots against it, and lets a test talk
 * to them as a person. `bot.every` jobs never run by themselves: `tick(id)` and `runJobs()` run them.
 * Close it after the test.
 *
 * @example
 * ```ts
 * import { createBotTestbed } from 'relaykit';
 * import echo from '../../plugins/echo.js';
 *
 * const testbed = await createBotTestbed({ bots: [echo] });
 * const reply = await testbed.ask('!echo hi');
 * expect(reply.text).toBe('hi');
 * await testbed.close();
 * ```
 */
export async function createBotTestbed(options: BotTestbedOptions): Promise<BotTestbed> {
  const timeoutMs = options.timeoutMs ?? 3000;
  const logs: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n'))
        if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ level: 'debug', destination });
  const ownStoreDir = options.storeDir === undefined;
  const storeDir = options.storeDir ?? (await mkdtemp(path.join(tmpdir(), 'relaykit-testbed-')));
  const definitions = await Promise.all(
    options.bots.map(async (bot) => ({
      definition: typeof bot === 'string' ? await loadPlugin(bot) : (bot as BotDefinition<unknown>),
      file: typeof bot === 'string' ? bot : undefined,
    })),
  );
  const jwtSecret = options.auth === 'jwt' ? randomBytes(32).toString('base64url') : undefined;
  // Every store in memory unless the test asks for a file: a bot's tests never write (nor share) the
  // project's `.relaykit/` files.
  const server = createRelayServer({
    ...options.relay,
    ...(jwtSecret === undefined ? {} : { auth: { mode: 'jwt', jwtSecret } }),
    history: options.relay?.history === false ? false : { store: ':memory:', ...options.relay?.history },
    scheduler: { store: ':memory:', ...options.relay?.scheduler },
    hooks: { store: ':memory:', ...options.relay?.hooks },
    webhooks: { store: ':memory:', ...options.relay?.webhooks },
    port: 0,
    host: '127.0.0.1',
    logger,
  });
  const { url } = await server.listen();
  const users = new Set<TestbedUser>();
  const testers = new Map<string, TestbedUser>();
  let scheduler = new ManualBotScheduler();
  let host: BotHost;

  const startHost = async () => {
    scheduler = new ManualBotScheduler();
    const config = server.config;
    host = new BotHost({
      url,
      token: server.botToken,
      logger,
      settings: { ...config, botStoreDir: storeDir },
      scheduler,
    });
    for (const { definition, file } of definitions) await host.start(definition, file);
  };

  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const user of users) user.socket.disconnect();
      await host?.close();
      await server.close();
      if (ownStoreDir) await rm(storeDir, { recursive: true, force: true });
    })();
    return closing;
  };

  try {
    await startHost();
  } catch (error) {
    await close();
    throw error;
  }

  const user = async (name = 'tester', userOptions: TestbedUserOptions = {}): Promise<TestbedUser> => {
    const room = userOptions.room ?? 'lobby';
    const { userId, roles, rooms } = userOptions;
    if (jwtSecret === undefined && (userId ?? roles ?? rooms) !== undefined) {
      throw new Error(
        "testbed users get a user id, roles and rooms from a token: pass auth: 'jwt' to createBotTestbed",
      );
    }
    const token =
      jwtSecret === undefined
        ? undefined
        : await signDevToken(jwtSecret, {
            sub: userId ?? name,
            name,
            ...(roles === undefined ? {} : { roles }),
            ...(rooms === undefined ? {} : { rooms }),
          });
    const person = await connectTestbedUser({
      url,
      name,
      room,
      token,
      userId: jwtSecret === undefined ? undefined : (userId ?? name),
      timeoutMs,
    });
    users.add(person);
    return person;
  };

  const tester = async (room = 'lobby') => {
    let found = testers.get(room);
    if (!found) {
      found = await user('tester', { room });
      testers.set(room, found);
    }
    return found;
  };

  return {
    url,
    server,
    get host() {
      return host;
    },
    logs,
    user,
    ask: async (content, askOptions = {}) => {
      const person = await tester(askOptions.room);
      const { id } = await person.say(content);
      return person.waitFor(fromBot(id), { timeoutMs: askOptions.timeoutMs ?? timeoutMs });
    },
    repliesTo: async (content, replyOptions = {}) => {
      const person = await tester(replyOptions.room);
      const { id } = await person.say(content);
      await new Promise((resolve) => setTimeout(resolve, replyOptions.withinMs ?? 300));
      return person.received.filter(fromBot(id));
    },
    history: async (room = LOBBY, historyOptions = {}) => {
      const page = await server.relay.readHistory(checkHistoryQuery({ room, ...historyOptions }, LOBBY));
      return { messages: page.messages, more: page.more };
    },
    jobs: () => scheduler.ids(),
    tick: (jobId) => scheduler.run(jobId),
    runJobs: (bot) => scheduler.runAll(bot ? `${bot}:` : ''),
    restartBots: async () => {
      await host.close();
      await startHost();
    },
    close,
  };
}

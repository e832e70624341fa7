import path from 'node:path';
import type { Robot } from 'hubot';
import { loadConfig } from '../config/load-config.js';
import { RelayError } from '../relay/relay-error.js';
import { openHubotBrainRedis } from './hubot-brain-redis.js';
import { openHubotBrainFile } from './hubot-brain-store.js';
import { RelayAdapter } from './relay-adapter.js';

/** Where `hubot -a relaykit/hubot` reaches a relay when `RELAY_URL` does not say. */
const DEFAULT_URL = 'http://localhost:3000';

/**
 * The adapter for Hubot's own command line (`hubot -a relaykit/hubot`), which hands an adapter package
 * nothing but the robot: the relay is found from the environment and the relay's config file in the
 * working directory, as `relay bots` finds it (`RELAY_URL`, `RELAY_BOT_TOKEN`, `botStoreDir`,
 * `botHandlerTimeoutMs`); the brain is kept in Redis when `redisUrl` is set. The robot keeps Hubot's logger.
 * Called with the robot only (as Hubot's command line does), it also handles the process's SIGTERM and
 * SIGINT, and exits: after the brain is saved, with 1 when the relay refuses the bot for good.
 *
 * @example
 * ```sh
 * RELAY_URL=http://relay.internal:3000 RELAY_BOT_TOKEN=… npx hubot -a relaykit/hubot -n hubot -d
 * ```
 */
export async function useFromHubotCli(
  robot: Robot,
  // Hubot's CLI is the entry here and passes the robot only: nothing but its process says where the
  // relay is, and nothing else stops the robot on a signal. Tests pass their own.
  {
    env,
    cwd,
    signals,
  }: {
    env: Readonly<Record<string, string | undefined>>;
    cwd: string;
    signals?: { once(signal: 'SIGTERM' | 'SIGINT', listener: () => void): unknown; exit(code: number): void };
  } = { env: process.env, cwd: process.cwd(), signals: process },
): Promise<RelayAdapter> {
  const { config } = await loadConfig({ env, cwd });
  if (!config.botToken) {
    throw new RelayError(
      'RELAY_ERR_BOT_AUTH_FAILED',
      'no bot token: set RELAY_BOT_TOKEN to the botToken of the relay before starting hubot',
    );
  }
  const brain =
    config.redisUrl === undefined
      ? await openHubotBrainFile(path.resolve(cwd, config.botStoreDir), robot.name, robot.logger)
      : await openHubotBrainRedis(config.redisUrl, robot.name, robot.logger);
  const adapter = new RelayAdapter(robot, {
    url: env.RELAY_URL ?? DEFAULT_URL,
    token: config.botToken,
    brain,
    handlerTimeoutMs: config.botHandlerTimeoutMs,
    maxContentBytes: config.maxContentBytes,
  });
  // Hubot's command line has no signal handling: a container's stop (SIGTERM) killed the robot with up
  // to 5 s of brain changes unsaved. Shut down, wait for the brain to be saved, then exit: 0 on a
  // signal, 1 when the relay refused the bot for good, so that a supervisor restarts it (a script's
  // timer would otherwise keep a robot that hears nothing running).
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    robot.shutdown();
    void brain
      .close()
      .catch(() => undefined)
      .finally(() => signals?.exit(code));
  };
  adapter.on('refused', () => stop(1));
  if (signals) {
    signals.once('SIGTERM', () => stop(0));
    signals.once('SIGINT', () => stop(0));
  }
  return adapter;
}

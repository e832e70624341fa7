import type { Running } from '../../src/cli/cli-context.js';
import { track } from './cleanup.js';
import { freePort } from './free-port.js';
import { startRelay } from './start-relay.js';

/**
 * Starts a relay with bot token `token`, lets `run` start a bot command against it (`relay bots`,
 * `relay hubot`), then restarts the relay on the same port with another token, as a relay that makes
 * one up at each start does. Resolves with the exit code the command ended with, or 'still running'
 * after `deadlineMs`.
 */
export async function endedAfterTokenChange(
  token: string,
  deadlineMs: number,
  run: (url: string) => Promise<Running | undefined>,
): Promise<number | 'still running'> {
  const port = await freePort();
  const first = await startRelay({ botToken: token, greeting: 'none', port });
  const running = await run(first.url);
  if (!running?.ended) throw new Error('the command left nothing that can end');
  track(running, (r) => r.close());
  await first.server.close();
  await startRelay({ botToken: 'another-bot-token-0123456789', greeting: 'none', port });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'still running'>((resolve) => {
    timer = setTimeout(() => resolve('still running'), deadlineMs);
  });
  try {
    return await Promise.race([running.ended, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

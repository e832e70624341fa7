// A recovered session keeps the identity it had: who may claim it. A bot token skips the authenticator,
// so it is checked before any recovery, and a session stays a person's or a bot's.
import { describe, expect, it } from 'vitest';
import { openClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';
import { refusedRecovery, signToken, startJwtRelay } from './jwt-relay.js';

// A client that hands the relay `first` at its first connection and `then` at every later one
// (socket.io-client adds the session to recover, `pid` and `offset`, by itself).
function openSwitching(url: string, first: Record<string, unknown>, then: Record<string, unknown>) {
  let calls = 0;
  return openClient(url, {
    transports: ['websocket'],
    reconnection: true,
    reconnectionDelay: 50,
    auth: (callback) => callback(calls++ === 0 ? first : then),
  });
}

describe('recovering a session with a bot token', () => {
  it("refuses a person's session claimed with a wrong bot token instead of a fresh token (jwt mode)", async () => {
    const { url } = await startJwtRelay();
    const ann = openSwitching(
      url,
      { token: await signToken({ rooms: ['lobby', 'a'] }) },
      { botToken: 'nope' },
    );
    await waitForEvent(ann, 'connect');
    expect(await refusedRecovery(ann, 'hi')).toMatchObject({ code: 'RELAY_ERR_BOT_AUTH_FAILED' });
  });

  it("refuses a person's session claimed with the relay's own bot token", async () => {
    const { url, server } = await startJwtRelay();
    const ann = openSwitching(url, { token: await signToken() }, { botToken: server.botToken, name: 'bot' });
    await waitForEvent(ann, 'connect');
    expect(await refusedRecovery(ann, 'hi')).toMatchObject({
      code: 'RELAY_ERR_BOT_AUTH_FAILED',
      message: expect.stringContaining("a person's, not a bot's"),
    });
  });

  it("refuses a bot's session claimed without the bot token (anonymous mode)", async () => {
    const { url, server } = await startRelay({ greeting: 'none' });
    const bot = openSwitching(url, { botToken: server.botToken, name: 'echo' }, { name: 'echo' });
    await waitForEvent(bot, 'connect');
    expect(await refusedRecovery(bot, 'hi')).toMatchObject({
      code: 'RELAY_ERR_BOT_AUTH_FAILED',
      message: expect.stringContaining('with the bot token only'),
    });
  });
});

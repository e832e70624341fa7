// The Go bot of docs/webhooks.md, run by a real `go run`: it verifies RelayKit's signature with the
// standard library (crypto/hmac) and its answer comes back into the room.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { MessageContent, MessageMeta } from '../../src/index.js';
import { signWebhook } from '../../src/webhooks/webhook-signature.js';
import { track } from '../support/cleanup.js';
import { connectClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';
import { SECRET } from './webhook-receiver.js';

const go = requireBinary('go', { install: 'apt-get install -y golang-go' });
const BOT = fileURLToPath(new URL('../../examples/webhook-bots/ping_bot.go', import.meta.url));
// The first `go run` compiles the bot (about 2 s here); a loaded machine may take much longer.
const START_TIMEOUT_MS = 60_000;

async function startGoBot(): Promise<string> {
  // Its own process group: `go run` leaves the compiled bot running when it is killed alone.
  const child = spawn(go as string, ['run', BOT], {
    env: { ...process.env, WEBHOOK_SECRET: SECRET, PORT: '0' },
    detached: true,
  });
  track(child, (c) => {
    try {
      if (c.pid !== undefined) process.kill(-c.pid, 'SIGTERM');
    } catch {
      // The group is gone already.
    }
  });
  let output = '';
  child.stderr.on('data', (chunk) => {
    output += String(chunk);
  });
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`go bot did not start: ${output}`)), START_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => {
      const match = /listening on (\d+)/.exec(String(chunk));
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    void once(child, 'exit').then(() => {
      clearTimeout(timer);
      reject(new Error(`go bot exited: ${output}`));
    });
  });
  return `http://127.0.0.1:${port}/`;
}

describe.skipIf(!go)('a Go (standard library) webhook bot', () => {
  it('verifies the signature and answers !ping with pong in the room, string or object content', {
    timeout: START_TIMEOUT_MS + 15_000,
  }, async () => {
    const botUrl = await startGoBot();
    const { url } = await startRelay({
      greeting: 'none',
      webhooks: {
        allowPrivateNetworks: true,
        endpoints: [
          { id: 'go', name: 'gobot', url: botUrl, rooms: ['ops'], trigger: { prefix: '!' }, secret: SECRET },
        ],
      },
    });
    const alice = await connectClient(url, { auth: { room: 'ops' } });
    for (const sent of ['!ping', { text: '!ping', from: 'object content' }]) {
      const answer = waitForEvent<[MessageContent, MessageMeta]>(alice, 'sendMessageFromBack', {
        timeoutMs: 5000,
        filter: (_c, meta) => meta.from.kind === 'bot',
      });
      alice.emit('sendMessage', sent);
      const [content, meta] = await answer;
      expect(content).toBe('pong');
      expect(meta.from).toEqual({ kind: 'bot', name: 'gobot', id: 'webhook:go', userId: 'bot:gobot' });
    }
  });

  it('refuses (401) a body whose signature does not match or is too old, so the check is real', {
    timeout: START_TIMEOUT_MS + 15_000,
  }, async () => {
    const botUrl = await startGoBot();
    const body = JSON.stringify({ content: '!ping', meta: {} });
    // `signed` is what the signature covers; `sent` what goes out.
    const post = (sent: string, signed = sent, timestamp = new Date()) =>
      fetch(botUrl, {
        method: 'POST',
        headers: {
          ...signWebhook({ secret: SECRET, id: 'msg_x', timestamp, body: signed }),
          'content-type': 'application/json',
        },
        body: sent,
      });
    expect((await post(body)).status).toBe(200);
    expect((await post(body.replace('ping', 'pong'), body)).status).toBe(401);
    expect((await post(body, body, new Date(Date.now() - 301_000))).status).toBe(401);
    // Signed, but not for this bot: no answer.
    expect((await post(JSON.stringify({ content: 'hello', meta: {} }))).status).toBe(204);
  });
});

describe('docs/webhooks.md', () => {
  it('shows the tested Go bot as it is', async () => {
    const doc = await readFile(new URL('../../docs/webhooks.md', import.meta.url), 'utf8');
    expect(doc).toContain(`\`\`\`go\n${await readFile(BOT, 'utf8')}\`\`\``);
  });
});

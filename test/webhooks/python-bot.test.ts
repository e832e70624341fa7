// The Python bot of docs/webhooks.md, run by a real python3: it verifies RelayKit's signature with the
// standard library (hmac, hashlib) and its answer comes back into the room.
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

const python = requireBinary('python3', { install: 'apt-get install -y python3' });
const BOT = fileURLToPath(new URL('../../examples/webhook-bots/ping_bot.py', import.meta.url));

async function startPythonBot(): Promise<string> {
  const child = spawn(python as string, [BOT], {
    env: { ...process.env, WEBHOOK_SECRET: SECRET, PORT: '0' },
  });
  track(child, (c) => {
    if (c.exitCode === null) c.kill();
  });
  let output = '';
  child.stderr.on('data', (chunk) => {
    output += String(chunk);
  });
  const port = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`python bot did not start: ${output}`)), 10_000);
    child.stdout.on('data', (chunk) => {
      const match = /listening on (\d+)/.exec(String(chunk));
      if (match) {
        clearTimeout(timer);
        resolve(match[1] as string);
      }
    });
    void once(child, 'exit').then(() => reject(new Error(`python bot exited: ${output}`)));
  });
  return `http://127.0.0.1:${port}/`;
}

describe.skipIf(!python)('a Python (standard library) webhook bot', () => {
  it('verifies the signature and answers !ping with pong in the room', async () => {
    const botUrl = await startPythonBot();
    const { url } = await startRelay({
      greeting: 'none',
      webhooks: {
        allowPrivateNetworks: true,
        endpoints: [
          { id: 'py', name: 'pybot', url: botUrl, rooms: ['ops'], trigger: { prefix: '!' }, secret: SECRET },
        ],
      },
    });
    const alice = await connectClient(url, { auth: { room: 'ops' } });
    const answer = waitForEvent<[MessageContent, MessageMeta]>(alice, 'sendMessageFromBack', {
      timeoutMs: 5000,
      filter: (_c, meta) => meta.from.kind === 'bot',
    });
    alice.emit('sendMessage', '!ping');
    const [content, meta] = await answer;
    expect(content).toBe('pong');
    expect(meta.from).toEqual({ kind: 'bot', name: 'pybot', id: 'webhook:py', userId: 'bot:pybot' });
  });

  it('refuses (401) a body whose signature does not match, so the check is real', async () => {
    const botUrl = await startPythonBot();
    const body = JSON.stringify({ content: '!ping', meta: {} });
    const headers = signWebhook({ secret: SECRET, id: 'msg_x', timestamp: new Date(), body });
    const post = (sent: string) =>
      fetch(botUrl, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: sent,
      });
    expect((await post(body)).status).toBe(200);
    expect((await post(body.replace('ping', 'pong'))).status).toBe(401);
  });
});

describe('docs/webhooks.md', () => {
  it('shows the tested Python bot as it is', async () => {
    const doc = await readFile(new URL('../../docs/webhooks.md', import.meta.url), 'utf8');
    expect(doc).toContain(`\`\`\`python\n${await readFile(BOT, 'utf8')}\`\`\``);
  });
});

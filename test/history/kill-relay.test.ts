// `kill -9` of a real relay process during a flood: every acknowledged message is in the history after
// a restart.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { io as socketIOClient } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import type { MessageMeta, SendAck } from '../../src/index.js';
import { track } from '../support/cleanup.js';
import { spawnRelayCli } from '../support/spawn-relay-cli.js';
import { waitForEvent } from '../support/wait-for-event.js';

const ARGS = [
  'serve',
  '--port',
  '0',
  '--host',
  '127.0.0.1',
  '--greeting',
  'none',
  '--rate-limit-burst',
  '1000000',
  '--rate-limit-per-second',
  '1000000',
  '--history-max-messages-per-room',
  '100000',
  '--api-tokens',
  'ops:ops-s3cr3t:admin',
];

async function startCli(cwd: string) {
  const relay = spawnRelayCli(ARGS, { cwd });
  const { url } = (await relay.waitForLog((line) => line.msg === 'relay started', 30_000)) as { url: string };
  return { relay, url };
}

async function allIds(url: string): Promise<string[]> {
  const ids: string[] = [];
  let before: string | undefined;
  for (;;) {
    const query = before === undefined ? 'limit=200' : `limit=200&before=${before}`;
    const response = await fetch(`${url}/v1/rooms/lobby/messages?${query}`, {
      headers: { authorization: 'Bearer ops-s3cr3t' },
    });
    const page = (await response.json()) as { messages: { meta: MessageMeta }[]; more: boolean };
    ids.unshift(...page.messages.map(({ meta }) => meta.id));
    if (!page.more || page.messages.length === 0) return ids;
    before = page.messages[0]?.meta.id;
  }
}

describe('history across kill -9', () => {
  it('loses no acknowledged message, and a restart keeps the history', { timeout: 60_000 }, async () => {
    const cwd = track(await mkdtemp(path.join(tmpdir(), 'relaykit-kill-')), (dir) =>
      rm(dir, { recursive: true, force: true }),
    );
    const { relay, url } = await startCli(cwd);
    const acked: string[] = [];
    const clients = Array.from({ length: 4 }, () =>
      track(socketIOClient(url, { reconnection: false, transports: ['websocket'] }), (s) => s.disconnect()),
    );
    await Promise.all(clients.map((client) => waitForEvent(client, 'connect', { timeoutMs: 5000 })));
    let flooding = true;
    const enough = new Promise<void>((resolve) => {
      for (const [index, client] of clients.entries()) {
        let n = 0;
        const sendNext = () => {
          if (!flooding) return;
          // A few in flight per client, so that commits group several messages.
          client.emit('sendMessage', `c${index}-${n++}`, (ack: SendAck) => {
            if (ack.ok) acked.push(ack.id);
            if (acked.length >= 2000) resolve();
            sendNext();
          });
        };
        for (let i = 0; i < 8; i += 1) sendNext();
      }
    });
    await enough;
    relay.child.kill('SIGKILL');
    await relay.exited;
    flooding = false;
    const ackedAtKill = [...acked];

    const restarted = await startCli(cwd);
    const kept = new Set(await allIds(restarted.url));
    const missing = ackedAtKill.filter((id) => !kept.has(id));
    expect(missing).toEqual([]);
    expect(kept.size).toBeGreaterThanOrEqual(ackedAtKill.length);
    restarted.relay.child.kill('SIGTERM');
    await restarted.relay.exited;
  });
});

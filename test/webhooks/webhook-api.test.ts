// /v1/webhooks: add (with the secret shown once), list without secrets, delete, test, dead letters, scopes.
import { describe, expect, it } from 'vitest';
import type { MessageContent, MessageMeta } from '../../src/index.js';
import { problemOf, startApiRelay } from '../http/api-relay.js';
import { connectClient } from '../support/connect-client.js';
import { startRelay } from '../support/start-relay.js';
import { collectEvents, waitForEvent } from '../support/wait-for-event.js';
import { json, startReceiver, verifySignature } from './webhook-receiver.js';

const admin = { token: 'ops-s3cr3t' };

describe('/v1/webhooks', () => {
  it('adds an endpoint (201, whsec_ secret once), lists it without its secret, and signs with that secret', async () => {
    let secret = '';
    const receiver = await startReceiver({ answer: json({ text: 'added and answering' }) });
    const { url, send } = await startApiRelay({ webhooks: { allowPrivateNetworks: true } });
    const added = await send('/v1/webhooks', {
      ...admin,
      body: { url: receiver.url, name: 'Helper', rooms: ['ops'], trigger: { regex: '^!(help|h)\\b' } },
    });
    expect(added.status).toBe(201);
    const body = (await added.json()) as { id: string; secret: string };
    secret = body.secret;
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(added.headers.get('location')).toBe(`/v1/webhooks/${body.id}`);
    expect(body).toMatchObject({ name: 'Helper', rooms: ['ops'], origin: 'api' });

    const listed = await (await send('/v1/webhooks', { ...admin, method: 'GET' })).text();
    expect(listed).not.toContain(secret.slice(6));
    expect(JSON.parse(listed).webhooks).toEqual([
      expect.objectContaining({ id: body.id, queued: 0, deadLetters: 0 }),
    ]);

    const alice = await connectClient(url, { auth: { room: 'ops' } });
    const answer = waitForEvent<[MessageContent, MessageMeta]>(alice, 'sendMessageFromBack', {
      timeoutMs: 5000,
      filter: (_c, meta) => meta.from.kind === 'bot',
    });
    alice.emit('sendMessage', '!help me');
    expect((await answer)[1].from).toEqual({
      kind: 'bot',
      name: 'Helper',
      id: `webhook:${body.id}`,
      userId: 'bot:Helper',
    });
    const [delivery] = await receiver.waitFor(1);
    // Signed with the secret the API gave, not the receiver's default one.
    expect(delivery?.signatureValid).toBe(false);
    expect(verifySignature(secret, delivery?.headers ?? {}, delivery?.raw ?? '')).toBe(true);

    const tested = await send(`/v1/webhooks/${body.id}/test`, admin);
    expect(await tested.json()).toEqual({ delivered: true, status: 200 });

    expect((await send(`/v1/webhooks/${body.id}`, { ...admin, method: 'DELETE' })).status).toBe(204);
    const gone = await send(`/v1/webhooks/${body.id}`, { ...admin, method: 'GET' });
    expect(gone.status).toBe(404);
    expect(await problemOf(gone)).toMatchObject({ code: 'RELAY_ERR_WEBHOOK_NOT_FOUND' });
  });

  it('publishes no answer of an endpoint deleted while its attempt was in flight', async () => {
    let release: () => void = () => {};
    const answered = new Promise<void>((resolve) => {
      release = resolve;
    });
    const receiver = await startReceiver({
      answer: (_delivery, res) => void answered.then(() => json({ text: 'from beyond' })(_delivery, res)),
    });
    const { url, send } = await startApiRelay({ webhooks: { allowPrivateNetworks: true } });
    const added = await send('/v1/webhooks', {
      ...admin,
      body: { url: receiver.url, name: 'Ghost', rooms: ['ops'], trigger: { all: true } },
    });
    const { id } = (await added.json()) as { id: string };
    const alice = await connectClient(url, { auth: { room: 'ops' } });
    alice.emit('sendMessage', 'anyone?');
    await receiver.waitFor(1);
    expect((await send(`/v1/webhooks/${id}`, { ...admin, method: 'DELETE' })).status).toBe(204);
    const heard = collectEvents<[MessageContent, MessageMeta]>(alice, 'sendMessageFromBack', 500);
    release();
    expect((await heard).filter(([, meta]) => meta.from.kind === 'bot')).toEqual([]);
    // Nor counts it: a removed endpoint has no series left to grow /metrics.
    expect(await (await fetch(`${url}/metrics`)).text()).not.toContain(`endpoint="${id}"`);
  });

  it('deleting an endpoint removes its delivery and answer series from /metrics', async () => {
    const receiver = await startReceiver({ answer: json({ text: 'counted' }) });
    const { url, send } = await startApiRelay({ webhooks: { allowPrivateNetworks: true } });
    const add = async (name: string) => {
      const added = await send('/v1/webhooks', {
        ...admin,
        body: { url: receiver.url, name, rooms: ['ops'], trigger: { all: true } },
      });
      return ((await added.json()) as { id: string }).id;
    };
    const [gone, kept] = [await add('Gone'), await add('Kept')];
    const alice = await connectClient(url, { auth: { room: 'ops' } });
    alice.emit('sendMessage', 'count me');
    await receiver.waitFor(2);
    const series = async (id: string) =>
      (await (await fetch(`${url}/metrics`)).text())
        .split('\n')
        .filter(
          (line) => /^relay_webhook_(deliveries|answers)_total\{/.test(line) && line.includes(`"${id}"`),
        );
    // A delivery and its answer each; each bot's answer is delivered to the other one too.
    const counted = async (id: string) => (await series(id)).length;
    await expect.poll(() => counted(gone), { timeout: 5000 }).toBeGreaterThanOrEqual(2);
    await expect.poll(() => counted(kept), { timeout: 5000 }).toBeGreaterThanOrEqual(2);

    expect((await send(`/v1/webhooks/${gone}`, { ...admin, method: 'DELETE' })).status).toBe(204);
    expect(await series(gone)).toEqual([]);
    expect(await counted(kept)).toBeGreaterThanOrEqual(2);
  });

  it('takes a regex RE2 runs, `[^]` included, and refuses one it cannot, over the API and in the config file', async () => {
    const { send } = await startApiRelay({ webhooks: { allowPrivateNetworks: true } });
    const hook = (regex: string) => ({ url: 'http://127.0.0.1:9/hook', rooms: ['ops'], trigger: { regex } });
    for (const regex of ['[^]*[^]*[^]*[^]*[^]*[^]*b', '\\p{Script=Greek}', 'a{398}']) {
      expect((await send('/v1/webhooks', { ...admin, body: hook(regex) })).status, regex).toBe(201);
    }
    for (const [regex, detail] of [
      ['\\p{Letter}', /\\p\{Letter\} is not supported; use .*\\p\{L\}/],
      ['a{399}', /401 steps for RE2, at most 400.*smaller count/],
      ['a{1001}', /RE2 cannot run it/],
    ] as const) {
      const response = await send('/v1/webhooks', { ...admin, body: hook(regex) });
      expect(await problemOf(response), regex).toMatchObject({
        status: 400,
        code: 'RELAY_ERR_INVALID_WEBHOOK',
        field: 'trigger',
        detail: expect.stringMatching(detail),
      });
    }
    const configured = (regex: string) =>
      startRelay({
        webhooks: {
          allowPrivateNetworks: true,
          endpoints: [
            { id: 'cfg', ...hook(regex), secret: `whsec_${Buffer.alloc(24, 1).toString('base64')}` },
          ],
        },
      });
    await expect(configured('\\p{Letter}')).rejects.toMatchObject({
      code: 'RELAY_ERR_CONFIG_INVALID',
      key: 'webhooks.endpoints.0.trigger',
      message: expect.stringMatching(/\\p\{Letter\} is not supported; use/),
    });
    await expect(configured('[^]*b')).resolves.toBeDefined();
  });

  it('refuses bad endpoints naming the field, a publish-scope token, and deleting a config-file endpoint', async () => {
    const { send } = await startApiRelay({
      webhooks: {
        allowPrivateNetworks: true,
        maxEndpoints: 2,
        endpoints: [
          {
            id: 'cfg',
            url: 'http://127.0.0.1:9/',
            rooms: ['ops'],
            trigger: { all: true },
            secret: `whsec_${Buffer.alloc(24, 1).toString('base64')}`,
          },
        ],
      },
    });
    const good = { url: 'http://127.0.0.1:9/hook', rooms: ['ops'], trigger: { all: true } };
    for (const [body, field] of [
      [{ ...good, url: 'ftp://example.com/' }, 'url'],
      [{ ...good, url: 'http://user:pw@example.com/' }, 'url'],
      [{ ...good, rooms: [] }, 'rooms'],
      [{ ...good, rooms: ['no spaces'] }, 'rooms'],
      [{ ...good, trigger: { regex: '(a+)+$' } }, 'trigger'],
      [{ ...good, trigger: { prefix: '!', all: true } }, 'trigger'],
      [{ ...good, secret: 'whsec_mine' }, 'secret'],
      [{ ...good, extra: 1 }, 'extra'],
      [{ ...good, name: ' padded' }, 'name'],
      [{ ...good, name: 'n'.repeat(41) }, 'name'],
      [{ ...good, url: `http://example.com/${'a'.repeat(2048)}` }, 'url'],
      [{ ...good, url: 'not a url' }, 'url'],
      [[good], 'body'],
    ] as const) {
      const response = await send('/v1/webhooks', { ...admin, body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(await problemOf(response)).toMatchObject({ code: 'RELAY_ERR_INVALID_WEBHOOK', field });
    }
    expect((await send('/v1/webhooks', { body: good })).status).toBe(403); // publish scope
    // At maxEndpoints (the config one and one more) and one past it.
    expect((await send('/v1/webhooks', { ...admin, body: good })).status).toBe(201);
    const tooMany = await send('/v1/webhooks', { ...admin, body: good });
    expect(await problemOf(tooMany)).toMatchObject({ status: 409, code: 'RELAY_ERR_TOO_MANY_WEBHOOKS' });
    // At the limit, a bad body is still told as one: what to fix comes first.
    const badAtLimit = await send('/v1/webhooks', { ...admin, body: { url: 'ftp://x', rooms: [] } });
    expect(await problemOf(badAtLimit)).toMatchObject({ status: 400, code: 'RELAY_ERR_INVALID_WEBHOOK' });
    const readOnly = await send('/v1/webhooks/cfg', { ...admin, method: 'DELETE' });
    expect(await problemOf(readOnly)).toMatchObject({ status: 409, code: 'RELAY_ERR_WEBHOOK_READ_ONLY' });
  });
});

// POST /v1/messages: real relay, real fetch, real socket.io listeners.
import { describe, expect, it } from 'vitest';
import { listener, nextMessage, problemOf, startApiRelay } from './api-relay.js';

describe('POST /v1/messages', () => {
  it('announces to one room only, as kind http with the token name', async () => {
    const { url, send } = await startApiRelay();
    const ops = await listener(url, 'ops');
    const general = await listener(url, 'general');
    const lobby = await listener(url);
    const opsHears = nextMessage(ops);
    const generalHears = nextMessage(general);
    const lobbyHears = nextMessage(lobby);

    const response = await send('/v1/messages', { body: { content: 'Deploy done', room: 'ops' } });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { id: string; room: string; at: string; from: unknown };
    expect(body).toMatchObject({ room: 'ops', from: { id: 'ci', name: 'ci', kind: 'http' } });

    const heard = await opsHears;
    expect(heard.content).toBe('Deploy done');
    expect(heard.meta).toMatchObject({
      id: body.id,
      room: 'ops',
      at: body.at,
      from: { name: 'ci', kind: 'http' },
    });

    // An announcement to everyone afterwards is the first thing the other rooms hear: they never got "ops".
    await send('/v1/messages', { body: { content: 'to everyone' } });
    expect((await generalHears).content).toBe('to everyone');
    expect((await lobbyHears).content).toBe('to everyone');
  });

  it('announces to every client when room is absent or null, with meta.room null', async () => {
    const { url, send } = await startApiRelay();
    const clients = [await listener(url), await listener(url, 'a'), await listener(url, 'b')];
    const heard = clients.map((client) => nextMessage(client));
    const response = await send('/v1/messages', {
      body: { content: { kind: 'notice', text: 'Freeze' }, room: null },
    });
    expect(response.status).toBe(202);
    for (const message of await Promise.all(heard)) {
      expect(message.content).toEqual({ kind: 'notice', text: 'Freeze' });
      expect(message.meta.room).toBeNull();
    }
  });

  it('leaves out exceptSocketId', async () => {
    const { url, send } = await startApiRelay();
    const asker = await listener(url, 'ops');
    const other = await listener(url, 'ops');
    const askerHears = nextMessage(asker);
    const otherHears = nextMessage(other);
    expect(
      (await send('/v1/messages', { body: { content: 'not you', room: 'ops', exceptSocketId: asker.id } }))
        .status,
    ).toBe(202);
    expect((await otherHears).content).toBe('not you');
    await send('/v1/messages', { body: { content: 'everyone' } });
    expect((await askerHears).content).toBe('everyone');
  });

  const badBodies: Array<[string, unknown, string, string]> = [
    ['a number as content', { content: 42 }, 'content', 'RELAY_ERR_INVALID_CONTENT'],
    ['no content', { room: 'ops' }, 'content', 'RELAY_ERR_INVALID_CONTENT'],
    ['an empty string', { content: '' }, 'content', 'RELAY_ERR_INVALID_CONTENT'],
    ['an array as content', { content: ['a'] }, 'content', 'RELAY_ERR_INVALID_CONTENT'],
    ['a bad room', { content: 'x', room: 'no spaces' }, 'room', 'RELAY_ERR_INVALID_ROOM'],
    ['a numeric room', { content: 'x', room: 7 }, 'room', 'RELAY_ERR_INVALID_ROOM'],
    [
      'a bad exceptSocketId',
      { content: 'x', exceptSocketId: 5 },
      'exceptSocketId',
      'RELAY_ERR_INVALID_REQUEST',
    ],
    ['an unknown field', { content: 'x', channel: 'ops' }, 'channel', 'RELAY_ERR_INVALID_REQUEST'],
    ['an array body', ['x'], 'body', 'RELAY_ERR_INVALID_REQUEST'],
  ];
  for (const [what, body, field, code] of badBodies) {
    it(`refuses ${what} with a 400 naming ${field}, and sends nothing`, async () => {
      const { url, send } = await startApiRelay();
      const client = await listener(url);
      const hears = nextMessage(client);
      const response = await send('/v1/messages', { body });
      expect(response.status).toBe(400);
      const problem = await problemOf(response);
      expect(problem).toMatchObject({
        status: 400,
        code,
        field,
        type: `urn:relaykit:error:${code}`,
        instance: '/v1/messages',
      });
      expect(String(problem.detail)).toContain(field);
      expect(typeof problem.title).toBe('string');
      await send('/v1/messages', { body: { content: 'marker' } });
      expect((await hears).content).toBe('marker');
    });
  }

  it('logs refused content once, where the publish path refuses it, and counts it like a socket refusal', async () => {
    const { url, send, logs } = await startApiRelay();
    const refused = await send('/v1/messages/batch', {
      body: { messages: [{ content: 'fine' }, { content: 42 }] },
    });
    expect(refused.status).toBe(400);
    expect(await problemOf(refused)).toMatchObject({
      code: 'RELAY_ERR_INVALID_CONTENT',
      field: 'messages[1].content',
    });
    const lines = logs.filter((line) => line.code === 'RELAY_ERR_INVALID_CONTENT');
    expect(lines.map((line) => line.msg)).toEqual(['input refused']);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/relay_publish_errors_total\{[^}]*code="RELAY_ERR_INVALID_CONTENT"[^}]*\} 1/);
  });

  it('answers malformed JSON with a 400, not a 500', async () => {
    const { url, send, logs } = await startApiRelay();
    const client = await listener(url);
    const hears = nextMessage(client);
    const response = await send('/v1/messages', { raw: '{"content": "x",' });
    expect(response.status).toBe(400);
    expect(await problemOf(response)).toMatchObject({
      code: 'RELAY_ERR_MALFORMED_JSON',
      title: 'Malformed JSON',
    });
    expect(
      logs.some((line) => line.msg === 'http request refused' && line.code === 'RELAY_ERR_MALFORMED_JSON'),
    ).toBe(true);
    await send('/v1/messages', { body: { content: 'marker' } });
    expect((await hears).content).toBe('marker');
  });

  it('answers a body that is not JSON with a 415, and no body with a 400 naming body', async () => {
    const { send } = await startApiRelay();
    const text = await send('/v1/messages', {
      raw: 'content=hello',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(text.status).toBe(415);
    expect(await problemOf(text)).toMatchObject({ code: 'RELAY_ERR_UNSUPPORTED_MEDIA_TYPE', status: 415 });
    const none = await send('/v1/messages', { headers: { 'content-type': '' } });
    expect(none.status).toBe(400);
    expect(await problemOf(none)).toMatchObject({ code: 'RELAY_ERR_INVALID_REQUEST', field: 'body' });
  });

  it('answers a body over api.bodyLimitBytes with a 413 and content over maxContentBytes with a 413 naming content', async () => {
    const { url, send } = await startApiRelay({ maxContentBytes: 1024, api: { bodyLimitBytes: 4096 } });
    const client = await listener(url);
    const hears = nextMessage(client);
    const huge = await send('/v1/messages', { body: { content: 'x'.repeat(5000) } });
    expect(huge.status).toBe(413);
    expect(await problemOf(huge)).toMatchObject({ code: 'RELAY_ERR_BODY_TOO_LARGE', status: 413 });
    const large = await send('/v1/messages', { body: { content: 'é'.repeat(600) } });
    expect(large.status).toBe(413);
    expect(await problemOf(large)).toMatchObject({ code: 'RELAY_ERR_CONTENT_TOO_LARGE', field: 'content' });
    await send('/v1/messages', { body: { content: 'marker' } });
    expect((await hears).content).toBe('marker');
  });

  it('answers unknown routes and methods with a 404 problem', async () => {
    const { send } = await startApiRelay();
    const unknown = await send('/v1/nothing', { body: {} });
    expect(unknown.status).toBe(404);
    expect(await problemOf(unknown)).toMatchObject({ code: 'RELAY_ERR_NOT_FOUND', instance: '/v1/nothing' });
    const wrongMethod = await send('/v1/messages', { method: 'GET' });
    expect(wrongMethod.status).toBe(404);
    expect(await problemOf(wrongMethod)).toMatchObject({ code: 'RELAY_ERR_NOT_FOUND' });
  });
});

// api.bodyLimitBytes on the wire: refused on the declared length, cut at the limit when chunked, at and
// one past the limit. Raw node:http requests, so the test decides what is sent and when.
import { once } from 'node:events';
import http, { type IncomingMessage } from 'node:http';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { track } from '../support/cleanup.js';
import { listener, nextMessage, startApiRelay } from './api-relay.js';

const LIMIT = 4096;
const AUTH = { authorization: 'Bearer ci-s3cr3t', 'content-type': 'application/json' };
// `{"content":"xx…"}` of exactly `bytes` bytes.
const bodyOf = (bytes: number) => JSON.stringify({ content: 'x'.repeat(bytes - '{"content":""}'.length) });

/**
 * Opens a POST and leaves it open: the test writes what it wants and may never end it. The response
 * is awaited with a deadline, so a relay that waits for the rest of the body fails the test.
 */
function openPost(url: string, headers: Record<string, string>) {
  const request = track(
    http.request(new URL('/v1/messages', url), { method: 'POST', headers, agent: false }),
    (r) => r.destroy(),
  );
  request.on('error', () => {}); // the relay may close while the test is still writing
  const answered = new Promise<{ response: IncomingMessage; body: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no answer within 2000 ms')), 2000);
    request.once('response', async (response) => {
      const chunks: Buffer[] = [];
      for await (const chunk of response) chunks.push(chunk as Buffer);
      clearTimeout(timer);
      resolve({ response, body: Buffer.concat(chunks).toString('utf8') });
    });
  });
  request.flushHeaders();
  return { request, answered };
}

async function expectTooLarge(answered: ReturnType<typeof openPost>['answered']) {
  const { response, body } = await answered;
  expect(response.statusCode).toBe(413);
  expect(response.headers.connection).toBe('close');
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(JSON.parse(body)).toMatchObject({ code: 'RELAY_ERR_BODY_TOO_LARGE', status: 413 });
  return response;
}

describe('HTTP API body limit', () => {
  it('refuses a body declared as 50 MB on its header, before reading any of it, and closes the connection', async () => {
    const { url, send } = await startApiRelay();
    const declared = String(50 * 1024 * 1024);
    for (const headers of [{ ...AUTH }, { 'content-type': 'application/json' }]) {
      const { request, answered } = openPost(url, { ...headers, 'content-length': declared });
      request.write('{"content":"');
      const response = await expectTooLarge(answered);
      // The relay closes the connection rather than read 50 MB to keep it alive.
      if (!response.socket.closed) await once(response.socket, 'close');
    }
    expect((await send('/v1/messages', { body: { content: 'still fine' } })).status).toBe(202);
  });

  it(`accepts a body of exactly api.bodyLimitBytes and refuses one byte more, declared or chunked`, async () => {
    const { url, send } = await startApiRelay({ api: { bodyLimitBytes: LIMIT } });
    const client = await listener(url);
    expect(Buffer.byteLength(bodyOf(LIMIT))).toBe(LIMIT);
    const atLimit = nextMessage(client);
    expect((await send('/v1/messages', { raw: bodyOf(LIMIT) })).status).toBe(202);
    expect((await atLimit).content).toHaveLength(LIMIT - 14);
    const over = await send('/v1/messages', { raw: bodyOf(LIMIT + 1) });
    expect(over.status).toBe(413);

    for (const [bytes, status] of [
      [LIMIT, 202],
      [LIMIT + 1, 413],
    ] as const) {
      const { request, answered } = openPost(url, { ...AUTH, 'transfer-encoding': 'chunked' });
      const body = bodyOf(bytes);
      request.write(body.slice(0, 1000));
      request.end(body.slice(1000));
      expect((await answered).response.statusCode, `${bytes} bytes chunked`).toBe(status);
    }
  });

  it('cuts a chunked body at the limit: a 413 while the client is still sending, and the connection closed', async () => {
    const { url, send } = await startApiRelay({ api: { bodyLimitBytes: LIMIT } });
    const { request, answered } = openPost(url, { ...AUTH, 'transfer-encoding': 'chunked' });
    request.write(`{"content":"${'x'.repeat(LIMIT)}`);
    const response = await expectTooLarge(answered);
    if (!response.socket.closed) await once(response.socket, 'close');
    expect((await send('/v1/messages', { body: { content: 'still fine' } })).status).toBe(202);
  });

  it('reads gzip bodies and holds their decompressed size to the limit', async () => {
    const { url } = await startApiRelay({ api: { bodyLimitBytes: LIMIT } });
    const small = openPost(url, { ...AUTH, 'content-encoding': 'gzip' });
    small.request.end(gzipSync(JSON.stringify({ content: 'zipped' })));
    expect((await small.answered).response.statusCode).toBe(202);
    // A megabyte of spaces compresses to about a kilobyte: under the limit on the wire, far over it unpacked.
    const bomb = gzipSync(`{"content":"x"${' '.repeat(1024 * 1024)}}`);
    expect(bomb.length).toBeLessThan(LIMIT);
    const big = openPost(url, { ...AUTH, 'content-encoding': 'gzip' });
    big.request.end(bomb);
    await expectTooLarge(big.answered);
  });

  // A small body is read whole before its decoder fails, and Node then marks the request destroyed:
  // the relay took that for a client gone away and never answered.
  it('answers a corrupt or truncated compressed body with a 400 problem, however small', async () => {
    const { url } = await startApiRelay({ api: { bodyLimitBytes: LIMIT } });
    const zipped = gzipSync(JSON.stringify({ content: 'zipped' }));
    const bodies: Array<[string, Buffer]> = [
      ['gzip', Buffer.from('not gzip at all')],
      ['gzip', zipped.subarray(0, 5)],
      ['deflate', Buffer.from('not deflate')],
      ['br', Buffer.from('not brotli')],
    ];
    for (const [coding, body] of bodies) {
      const post = openPost(url, { ...AUTH, 'content-encoding': coding });
      post.request.end(body);
      const { response, body: answer } = await post.answered;
      expect(response.statusCode, coding).toBe(400);
      expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(answer)).toMatchObject({ code: 'RELAY_ERR_INVALID_REQUEST' });
    }
  });
});

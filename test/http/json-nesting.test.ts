import { describe, expect, it } from 'vitest';
import { MAX_JSON_NESTING, nestsDeeperThan } from '../../src/http/json-nesting.js';
import { problemOf, startApiRelay } from './api-relay.js';

// `{"content":"x","junk":[[…]]}` nesting objects and arrays `levels` deep in all.
const bodyNesting = (levels: number) =>
  `{"content":"x","junk":${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}}`;

describe('nestsDeeperThan', () => {
  it('counts objects and arrays, and nothing inside strings', () => {
    expect(nestsDeeperThan('{"a":[1]}', 2)).toBe(false);
    expect(nestsDeeperThan('{"a":[1]}', 1)).toBe(true);
    expect(nestsDeeperThan('{"a":"[[[{{"}', 1)).toBe(false);
    expect(nestsDeeperThan('{"a":"\\"[[["}', 1)).toBe(false);
    expect(nestsDeeperThan('[[],[],[]]', 2)).toBe(false);
    expect(nestsDeeperThan(bodyNesting(MAX_JSON_NESTING), MAX_JSON_NESTING)).toBe(false);
    expect(nestsDeeperThan(bodyNesting(MAX_JSON_NESTING + 1), MAX_JSON_NESTING)).toBe(true);
  });
});

describe('JSON bodies nested deep', () => {
  // No valid request nests past 34 levels (content's 32 and the body's own): at 64 the body is read and
  // refused for its field, past it for its nesting, before any field is looked at.
  it('reads a body 64 levels deep and refuses 65 with a 400 problem naming the nesting', async () => {
    const { send, logs } = await startApiRelay();
    const atLimit = await send('/v1/messages', { raw: bodyNesting(MAX_JSON_NESTING) });
    expect(await problemOf(atLimit)).toMatchObject({ code: 'RELAY_ERR_INVALID_REQUEST', field: 'junk' });
    const past = await send('/v1/messages', { raw: bodyNesting(MAX_JSON_NESTING + 1) });
    expect(past.status).toBe(400);
    expect(await problemOf(past)).toMatchObject({
      code: 'RELAY_ERR_INVALID_REQUEST',
      field: 'body',
      detail: expect.stringContaining('deeper than 64 levels'),
    });
    expect(logs.filter((line) => line.level >= 50)).toEqual([]);
  });

  // Describing the field or hashing the body for an Idempotency-Key ran out of stack on these: 500s.
  it('answers 200 000 levels with the same 400, with or without an Idempotency-Key, on every route', async () => {
    const { send, logs } = await startApiRelay({ api: { bodyLimitBytes: 1_000_000 } });
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    const bodies: Array<[string, string, Record<string, string>]> = [
      ['/v1/messages', `{"content":"x","room":${deep}}`, {}],
      ['/v1/messages', `{"content":"x","junk":${deep}}`, { 'idempotency-key': 'k-1' }],
      ['/v1/messages/batch', `{"messages":[{"content":"x","room":${deep}}]}`, {}],
      ['/v1/users/u1/messages', `{"content":"x","room":${deep}}`, {}],
    ];
    for (const [path, raw, headers] of bodies) {
      const answer = await send(path, { raw, headers });
      expect(answer.status, path).toBe(400);
      expect(await problemOf(answer)).toMatchObject({ code: 'RELAY_ERR_INVALID_REQUEST', field: 'body' });
    }
    expect(logs.filter((line) => line.level >= 50)).toEqual([]);
  });
});

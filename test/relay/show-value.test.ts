import { describe, expect, it } from 'vitest';
import { showValue } from '../../src/relay/show-value.js';
import { openRawWebSocket } from '../support/raw-engine-client.js';
import { startRelay } from '../support/start-relay.js';

describe('showValue', () => {
  it('quotes JSON cut to its length, and names what JSON cannot write', () => {
    expect(showValue('ops')).toBe('"ops"');
    expect(showValue(undefined)).toBe('undefined');
    expect(showValue([1, { a: 2 }])).toBe('[1,{"a":2}]');
    expect(showValue('x'.repeat(200))).toBe(`"${'x'.repeat(78)}…`);
    expect(showValue('x'.repeat(200))).toHaveLength(80);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(showValue(cyclic)).toBe('a object');
    expect(showValue(10n)).toBe('a bigint');
    let deep: unknown[] = [];
    for (let i = 0; i < 200_000; i += 1) deep = [deep];
    expect(showValue(deep)).toBe('an array');
  });
});

// Deep values from a socket: the refusal's message once overflowed the stack and came out as
// RELAY_ERR_INTERNAL, with an error line for every event.
describe('socket events with values nested 15 000 levels deep', () => {
  it('are refused with their own typed error and log no error', async () => {
    const { url, logs } = await startRelay({ greeting: 'none', maxHttpBufferSize: 100_000 });
    const raw = await openRawWebSocket(url);
    const deep = `${'['.repeat(15_000)}${']'.repeat(15_000)}`;
    const events: Array<[string, string]> = [
      [`["join",${deep}]`, 'RELAY_ERR_INVALID_ROOM'],
      [`["history",{"before":${deep}}]`, 'RELAY_ERR_INVALID_CURSOR'],
      [`["history",{"limit":${deep}}]`, 'RELAY_ERR_INVALID_OPTIONS'],
      [`["members",{"room":${deep}}]`, 'RELAY_ERR_INVALID_ROOM'],
    ];
    for (const [index, [event, code]] of events.entries()) {
      const before = raw.packets.length;
      raw.write([`42${index + 1}${event}`]);
      await expect
        .poll(() => raw.packets.slice(before), { timeout: 5000 })
        .toEqual([expect.stringContaining(`"code":"${code}"`)]);
    }
    expect(logs.filter((line) => line.level >= 50)).toEqual([]);
  });
});

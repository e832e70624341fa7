// A relay that another process listens for (a worker of `relay serve --workers`): attach() starts it
// without binding a port.
import { describe, expect, it } from 'vitest';
import { createRelayServer } from '../../src/index.js';
import { captureLogs } from '../support/capture-logs.js';
import { track } from '../support/cleanup.js';
import { IN_MEMORY_STORES } from '../support/start-relay.js';

describe('RelayCore.attach', () => {
  it('runs the start-up hooks with the given address, counts as listening for /readyz, and closes', async () => {
    const capture = captureLogs();
    const server = track(
      createRelayServer({ ...IN_MEMORY_STORES, logger: capture.logger, scheduler: { store: ':memory:' } }),
      (s) => s.close(),
    );
    const seen: string[] = [];
    server.onListen((address) => {
      seen.push(address.url);
    });
    expect(server.checkReadiness().checks.listening).toEqual({ ok: false });
    const address = { port: 4567, host: '127.0.0.1', url: 'http://127.0.0.1:4567' };
    expect(await server.attach(address)).toEqual(address);
    expect(seen).toEqual([address.url]);
    expect(server.address).toEqual(address);
    expect(server.httpServer.listening).toBe(false);
    expect(server.checkReadiness()).toMatchObject({ ready: true, checks: { listening: { ok: true } } });
    await server.close();
    expect(server.checkReadiness().checks.listening).toEqual({ ok: false });
    await expect(server.attach(address)).rejects.toMatchObject({ code: 'RELAY_ERR_SHUTTING_DOWN' });
  });
});

// The hook store's own failures: a file it cannot open is RELAY_ERR_HOOK_STORE, naming the path.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HookStore } from '../../src/hooks/hook-store.js';
import { track } from '../support/cleanup.js';

describe('HookStore', () => {
  // Opened at every start, hooks or not: a bad path gave SQLite's bare "file is not a database".
  it('refuses a file it cannot open with RELAY_ERR_HOOK_STORE, naming it', async () => {
    const dir = track(await mkdtemp(path.join(tmpdir(), 'relaykit-hook-store-')), (d) =>
      rm(d, { recursive: true, force: true }),
    );
    const garbage = path.join(dir, 'hooks.db');
    await writeFile(garbage, 'not a database, not even close: '.repeat(64));
    for (const file of [garbage, dir]) {
      expect(() => HookStore.open(file)).toThrow(
        expect.objectContaining({ code: 'RELAY_ERR_HOOK_STORE', message: expect.stringContaining(file) }),
      );
    }
    const store = HookStore.open(path.join(dir, 'fresh.db'));
    store.close();
  });
});

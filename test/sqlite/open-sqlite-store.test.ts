import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/sqlite/open-sqlite-store.js';
import { track } from '../support/cleanup.js';

const folder = async () =>
  track(await mkdtemp(path.join(tmpdir(), 'relaykit-sqlite-')), (dir) =>
    rm(dir, { recursive: true, force: true }),
  );

describe('openSqliteStore', () => {
  it('creates the file and its folder, writes ahead, waits for another writer, and syncs as asked', async () => {
    const file = path.join(await folder(), 'nested', 'store.db');
    const db = openSqliteStore(path.relative(process.cwd(), file), {
      synchronous: 'FULL',
      prepare: (opened, resolved) => {
        expect(resolved).toBe(file); // resolved, for the store's messages
        return opened;
      },
    });
    track(db, (d) => d.close());
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
    expect(db.pragma('synchronous', { simple: true })).toBe(2); // FULL
  });

  // Stores hold secrets (a GitHub hook's, webhook signing keys) and the history.
  it('makes its folder 0700 and its file 0600, with the WAL files the same, whatever the umask', async () => {
    const dir = path.join(await folder(), '.relaykit');
    const file = path.join(dir, 'store.db');
    const umask = process.umask(0o022);
    try {
      const db = track(openSqliteStore(file, { synchronous: 'NORMAL', prepare: (opened) => opened }), (d) =>
        d.close(),
      );
      db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
      const mode = async (name: string) => (await stat(name)).mode & 0o777;
      expect(await mode(dir)).toBe(0o700);
      for (const name of [file, `${file}-wal`, `${file}-shm`]) expect(await mode(name), name).toBe(0o600);
    } finally {
      process.umask(umask);
    }
  });

  it('leaves the mode of a file that exists as its owner set it', async () => {
    const file = path.join(await folder(), 'shared.db');
    await writeFile(file, '');
    await chmod(file, 0o640);
    track(openSqliteStore(file, { synchronous: 'NORMAL', prepare: (opened) => opened }), (d) => d.close());
    expect((await stat(file)).mode & 0o777).toBe(0o640);
  });

  // Two processes opening a new file at once (relay serve --workers) both switch it to WAL, which
  // SQLite refused at once ("database is locked") about one open in 30, and a worker died at start.
  it('opens a new file from two processes at the same moment, 100 times, without "database is locked"', {
    timeout: 30_000,
  }, async () => {
    const dir = await folder();
    const start = Date.now() + 3000; // both children have loaded by then
    const child = fileURLToPath(new URL('./open-race-child.ts', import.meta.url));
    const outputs = await Promise.all(
      [0, 1].map(async () => {
        const run = spawn(process.execPath, ['--import', 'tsx', child, dir, String(start), '25', '100'], {
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        run.stdout.on('data', (chunk) => {
          out += String(chunk);
        });
        await once(run, 'close');
        return out.trim().split('\n');
      }),
    );
    expect(outputs.flat().filter((line) => line !== 'ok')).toEqual([]);
    expect(outputs.flat()).toHaveLength(200);
  });

  // Node 20's recursive mkdir never returns under /proc: `relay serve` with a store there spun at 100 %
  // CPU, deaf to SIGTERM. In a child with a deadline, so that a return of the bug fails, not hangs.
  it.runIf(process.platform === 'linux')(
    'refuses a folder it cannot make under /proc, at once',
    {
      timeout: 20_000,
    },
    async () => {
      const child = fileURLToPath(new URL('./open-race-child.ts', import.meta.url));
      const run = spawn(
        process.execPath,
        ['--import', 'tsx', child, '/proc/relaykit-nope/deeper', String(Date.now()), '0', '1'],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      const deadline = setTimeout(() => run.kill('SIGKILL'), 15_000);
      let out = '';
      run.stdout.on('data', (chunk) => {
        out += String(chunk);
      });
      const [code] = await once(run, 'close');
      clearTimeout(deadline);
      expect(code).toBe(0);
      expect(out).toMatch(/^ENOENT: no such file or directory, mkdir '\/proc\/relaykit-nope'/);
    },
  );

  it('keeps nothing for :memory:', () => {
    const db = track(
      openSqliteStore(':memory:', { synchronous: 'NORMAL', prepare: (opened) => opened }),
      (d) => d.close(),
    );
    expect(db.memory).toBe(true);
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
  });

  it("throws the store's own error naming the file, closes the database and leaves the file as it is", async () => {
    const file = path.join(await folder(), 'notes.txt');
    await writeFile(file, 'not a database, but somebody needs it');
    let opened: Database.Database | undefined;
    const open = () =>
      openSqliteStore(file, {
        synchronous: 'NORMAL',
        prepare: (db) => {
          opened = db;
          return db.pragma('user_version', { simple: true });
        },
        fail: (resolved, error) => new Error(`cannot open ${resolved}: ${error.message}`),
      });
    expect(open).toThrow(`cannot open ${file}: file is not a database`);
    expect(opened?.open ?? false).toBe(false);
    expect(await readFile(file, 'utf8')).toBe('not a database, but somebody needs it');
  });

  it('throws what went wrong as it is without a store error, closing the database', () => {
    let opened: Database.Database | undefined;
    const failure = new Error('schema check failed');
    expect(() =>
      openSqliteStore(':memory:', {
        synchronous: 'FULL',
        prepare: (db) => {
          opened = db;
          throw failure;
        },
      }),
    ).toThrow(failure);
    expect(opened?.open).toBe(false);
  });
});

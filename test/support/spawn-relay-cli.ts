import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { track } from './cleanup.js';

/**
 * A working directory of the test's own, removed after it: what a relay writes there (its stores in
 * .relaykit/, the dev relay file) never lands in the repository's, nor is shared between tests.
 */
export function scratchDirectory(): string {
  return track(mkdtempSync(path.join(tmpdir(), 'relaykit-cwd-')), (dir) =>
    rmSync(dir, { recursive: true, force: true }),
  );
}

const BIN = fileURLToPath(new URL('../../bin/relay.js', import.meta.url));

/** A `relay` CLI process, with its output kept line by line. */
export interface CliProcess {
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  /** Resolves with the first parsed JSON log line that `predicate` accepts. */
  waitForLog(
    predicate: (line: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Resolves with the exit code once the process ended. */
  exited: Promise<number | null>;
}

/**
 * Runs `node bin/relay.js ...args` as a real process, in `cwd` (default: a {@link scratchDirectory});
 * killed after the test if still running.
 */
export function spawnRelayCli(
  args: string[],
  /** `group`: in a process group of its own, as a terminal's job is, for signals sent to the group. */
  options: { cwd?: string; env?: Record<string, string>; group?: boolean } = {},
): CliProcess {
  const child = track(
    spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? scratchDirectory(),
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.group === true,
    }),
    (c) => {
      if (c.exitCode !== null || c.signalCode !== null) return;
      if (options.group === true && c.pid !== undefined) process.kill(-c.pid, 'SIGKILL');
      else c.kill('SIGKILL');
    },
  );
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters = new Set<() => void>();
  const collect = (into: string[]) => (chunk: Buffer) => {
    into.push(...String(chunk).split('\n').filter(Boolean));
    for (const wake of waiters) wake();
  };
  child.stdout?.on('data', collect(stdout));
  child.stderr?.on('data', collect(stderr));
  const exited = once(child, 'exit').then(([code]) => code as number | null);

  const parsed = () =>
    stdout.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });

  const waitForLog: CliProcess['waitForLog'] = (predicate, timeoutMs = 10_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = parsed().find(predicate);
        if (found) {
          done();
          resolve(found);
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `no matching log line within ${timeoutMs} ms; stdout: ${stdout.join('\n')} stderr: ${stderr.join('\n')}`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  return { child, stdout, stderr, waitForLog, exited };
}

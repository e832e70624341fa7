import type { Writable } from 'node:stream';

/** Something a command leaves running, for the CLI entry to stop on a signal. */
export interface Running {
  /** Stops at once (Ctrl-C, SIGINT). */
  close(): Promise<void>;
  /** Stops gracefully for a rollout (SIGTERM): e.g. stops being ready, waits, then closes. */
  drain?(): Promise<void>;
  /**
   * For a worker of `relay serve --workers`: its primary relays the signals, so the process's own are
   * ignored (Ctrl-C reaches every process of the terminal) and `stop` is called with each relayed one.
   */
  followStops?(stop: (signal: 'SIGINT' | 'SIGTERM') => void): void;
  /** Resolves with an exit code if it stops by itself (e.g. `relay hubot` once the relay refuses it). */
  readonly ended?: Promise<number>;
}

/** What a command may use of the outside world; the CLI entry passes the process's. */
export interface CliContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: Writable & { readonly isTTY?: boolean };
  readonly stderr: Writable;
  /**
   * This process's id and whether another process still runs: `serve` records its pid in the dev relay
   * file, and the commands that read the file skip it once that process is gone. Without them, the file
   * is neither written nor read.
   */
  readonly pid?: number;
  readonly isProcessRunning?: (pid: number) => boolean;
  /**
   * Called by a command as it starts what it will leave running (`serve`, before its stores open): a stop
   * signal from then on waits until it runs, and is carried out then, so it closes what it opened.
   */
  holdStops?(): void;
  /** Set by a command that keeps running (e.g. `serve`). */
  running?: Running;
  exitCode: number;
}

/** Where commands reach a relay when neither `--url` nor `RELAY_URL` says: the quick start's relay. */
export const DEFAULT_RELAY_URL = 'http://localhost:3000';

/** Prints `relay: message` on stderr and sets the exit code (1: the call failed, 2: a usage error). */
export function failCommand(context: CliContext, message: string, exitCode: 1 | 2): void {
  context.stderr.write(`relay: ${message}\n`);
  context.exitCode = exitCode;
}

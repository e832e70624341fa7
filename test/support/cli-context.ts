import { Writable } from 'node:stream';
import type { CliContext } from '../../src/cli/cli-context.js';
import { scratchDirectory } from './spawn-relay-cli.js';

/** Whether process `pid` runs, as the CLI entry tells (EPERM: it runs as another user). */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A CliContext for running `runCli` in-process, with what the command printed kept for assertions. It
 * has this process's pid, as the CLI entry's has; `isTTY` makes its stdout pass for a terminal. Its
 * `cwd` is a scratch directory of the test's own unless given.
 */
export function createCliContext(
  options: { env?: Record<string, string>; cwd?: string; isTTY?: boolean } = {},
): CliContext & { out: () => string; err: () => string } {
  const sink = () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    return { stream, text: () => chunks.join('') };
  };
  const stdout = sink();
  const stderr = sink();
  return {
    env: options.env ?? {},
    cwd: options.cwd ?? scratchDirectory(),
    stdout: options.isTTY ? Object.assign(stdout.stream, { isTTY: true }) : stdout.stream,
    stderr: stderr.stream,
    pid: process.pid,
    isProcessRunning,
    exitCode: 0,
    out: stdout.text,
    err: stderr.text,
  };
}

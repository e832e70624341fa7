import { Writable } from 'node:stream';
import type { CliContext } from '../../src/cli/cli-context.js';

/** A CliContext for running `runCli` in-process, with what the command printed kept for assertions. */
export function createCliContext(
  options: { env?: Record<string, string>; cwd?: string } = {},
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
    cwd: options.cwd ?? process.cwd(),
    stdout: stdout.stream,
    stderr: stderr.stream,
    exitCode: 0,
    out: stdout.text,
    err: stderr.text,
  };
}

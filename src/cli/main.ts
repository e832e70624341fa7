// The `relay` CLI entry: the only place that touches the process (arguments, signals, exit codes).
import { runCli } from './run-cli.js';

const context = await runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  exitCode: 0,
});

const running = context.running;
if (!running) {
  process.exitCode = context.exitCode;
} else {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`relay: ${signal} again; exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    running.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`relay: close failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

// The `relay` CLI entry: the only place that touches the process (arguments, signals, exit codes).
import type { Running } from './cli-context.js';
import { runCli } from './run-cli.js';

let running: Running | undefined;
// A stop signal that came while `serve` started: carried out once it runs, so its stores are closed.
let heldStop: NodeJS.Signals | undefined;
const holdStop = (signal: NodeJS.Signals) => {
  if (heldStop !== undefined) {
    process.stderr.write(`relay: ${signal} again while starting; exiting now\n`);
    process.exit(1);
  }
  heldStop = signal;
  // A worker's primary holds the same signal and says so once.
  if (process.env.RELAYKIT_WORKER === undefined) {
    process.stderr.write(`relay: ${signal} while starting; stopping once started\n`);
  }
};
const releaseStops = () => {
  process.off('SIGINT', holdStop);
  process.off('SIGTERM', holdStop);
};
const context = await runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: process.stdout,
  stderr: process.stderr,
  pid: process.pid,
  isProcessRunning: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      // EPERM: it runs, as another user.
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  holdStops() {
    process.on('SIGINT', holdStop);
    process.on('SIGTERM', holdStop);
  },
  // Signals are handled from the moment a command leaves something running, not once runCli resolves:
  // a SIGTERM right after "relay started" still drains.
  get running() {
    return running;
  },
  set running(value) {
    running = value;
    releaseStops();
    if (value) {
      const stop = handleSignals(value);
      // After the command's own start-up lines ("relay started"), which follow this assignment.
      const held = heldStop;
      if (held !== undefined && !value.followStops) setImmediate(() => stop(held));
    }
    void value?.ended?.then((code) => process.exit(code));
  },
  exitCode: 0,
});
if (!context.running) {
  releaseStops();
  process.exitCode = context.exitCode;
  // A worker of `relay serve --workers` that failed to start: its IPC channel would keep it alive.
  if (process.env.RELAYKIT_WORKER !== undefined) process.exit(context.exitCode);
}

// SIGTERM (an orchestrator's rollout) drains first: not ready for a while, then closed. SIGINT (Ctrl-C)
// closes at once, and so does any signal during a drain; one during the close exits at once.
// Returns what a signal does, for one held while starting.
function handleSignals(target: Running): (signal: NodeJS.Signals) => void {
  let state: 'running' | 'draining' | 'closing' = 'running';
  const finish = (stopped: Promise<void>) =>
    stopped.then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`relay: close failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  const stop = (signal: NodeJS.Signals) => {
    if (state === 'closing') {
      process.stderr.write(`relay: ${signal} again; exiting now\n`);
      process.exit(1);
    }
    if (state === 'running' && signal === 'SIGTERM' && target.drain) {
      state = 'draining';
      void finish(target.drain());
      return;
    }
    // A drain in progress resolves once this close is done, and exits then.
    const wasDraining = state === 'draining';
    state = 'closing';
    const closed = target.close();
    if (!wasDraining) void finish(closed);
  };
  if (target.followStops) {
    // A worker: its primary relays the signals (see Running.followStops).
    const ignore = () => undefined;
    process.on('SIGINT', ignore);
    process.on('SIGTERM', ignore);
    target.followStops(stop);
    return stop;
  }
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return stop;
}

import { execFileSync } from 'node:child_process';
import yargs from 'yargs';

/** The sizes of a `npm run bench:workers` run. */
export interface WorkersPlan {
  readonly receivers: number;
  readonly senders: number;
  readonly startRate: number;
  readonly steps: number;
  readonly stepMs: number;
  readonly idleClients: number;
  readonly procs: number;
}

const FULL: WorkersPlan = {
  receivers: 500,
  senders: 4,
  startRate: 40,
  steps: 14,
  stepMs: 5000,
  idleClients: 20_000,
  procs: 4,
};
const QUICK: WorkersPlan = {
  receivers: 50,
  senders: 1,
  startRate: 20,
  steps: 2,
  stepMs: 1000,
  idleClients: 200,
  procs: 1,
};

// Open files a relay process needs besides its clients' sockets (31 measured at start: modules, logs,
// SQLite, pipes), with room to spare.
const FILES_BESIDES_CLIENTS = 64;

/**
 * Parses `npm run bench:workers -- …`: the full plan, `--quick`'s, and any size changed on its own.
 * A run with changed sizes writes `workers-custom` (unless `--out`), so it never overwrites the full
 * run's results.
 */
export function parseWorkersOptions(argv: readonly string[]): {
  quick: boolean;
  plan: WorkersPlan;
  out: string;
} {
  const parsed = yargs([...argv])
    .scriptName('npm run bench:workers --')
    .usage('$0 [options]: relay serve --workers 2 against one process (saturation, idle memory)')
    .option('quick', { type: 'boolean', default: false, describe: 'smoke-check sizes (~1 minute)' })
    .option('receivers', {
      type: 'number',
      describe: `clients listening while the load steps up (${FULL.receivers})`,
    })
    .option('senders', { type: 'number', describe: `sending processes (${FULL.senders})` })
    .option('start-rate', { type: 'number', describe: `first step's offered messages/s (${FULL.startRate})` })
    .option('steps', { type: 'number', describe: `most ramp steps, each 1.5× the last (${FULL.steps})` })
    .option('step-ms', { type: 'number', describe: `duration of a step, ms (${FULL.stepMs})` })
    .option('idle-clients', {
      type: 'number',
      describe: `clients connected for idle memory (${FULL.idleClients})`,
    })
    .option('procs', {
      type: 'number',
      describe: `load-worker processes the clients spread over (${FULL.procs})`,
    })
    .option('out', {
      type: 'string',
      describe: 'results name in bench/results/ (default workers, workers-quick, workers-custom)',
    })
    .strict()
    .help()
    .parseSync();
  const base = parsed.quick ? QUICK : FULL;
  const given = {
    receivers: parsed.receivers,
    senders: parsed.senders,
    startRate: parsed['start-rate'],
    steps: parsed.steps,
    stepMs: parsed['step-ms'],
    idleClients: parsed['idle-clients'],
    procs: parsed.procs,
  };
  const plan = { ...base };
  let custom = false;
  for (const [key, value] of Object.entries(given) as [keyof WorkersPlan, number | undefined][]) {
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`--${key} must be a whole number >= 1, got ${value}`);
    plan[key] = value;
    custom = true;
  }
  const out = parsed.out ?? (custom ? 'workers-custom' : parsed.quick ? 'workers-quick' : 'workers');
  return { quick: parsed.quick, plan, out };
}

/**
 * Throws before a run whose idle clients cannot all be open at once: the one-process relay holds every
 * socket, and is started with its soft open-file limit raised to the hard one, and no further.
 */
export function checkOpenFiles(idleClients: number): void {
  const hard = execFileSync('sh', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  if (hard === 'unlimited') return;
  const needed = idleClients + FILES_BESIDES_CLIENTS;
  if (Number(hard) < needed) {
    throw new Error(
      `${idleClients} idle clients need about ${needed} open files in the relay, but the hard limit here is ${hard}: ` +
        'raise it (ulimit -Hn, or LimitNOFILE in systemd) or pass a smaller --idle-clients',
    );
  }
}

// `npm run bench:workers`: what `relay serve --workers 2` buys on this machine. The same relay command
// runs as one process, then as a primary with two workers; the load comes from the bench's load-worker
// processes over websockets. Two measurements:
// - saturation: senders' offered rate steps up (×1.5) with `receivers` listening until deliveries fall
//   behind (under 95 % delivered) or the p99 latency passes 250 ms; the last step that kept up is the
//   load the relay sustains. Reported for both, and as a ratio (two workers ÷ one process).
// - idle memory: RSS of all the relay's processes (primary and workers) with `idleClients` connected, minus
//   before, per client. Without a forced GC (the CLI processes have no gc()), after a settling second.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { closeLoadWorkers, type LoadWorker, startLoadWorker } from './bench-processes.js';
import type { SendResult } from './load/load-protocol.js';
import { summarise } from './stats.js';
import { checkOpenFiles, parseWorkersOptions } from './workers-options.js';
import { connectReceivers } from './workloads/receivers.js';

const args = parseWorkersOptions(process.argv.slice(2));
const { quick } = args;
const plan = args.plan;
const BIN = fileURLToPath(new URL('../bin/relay.js', import.meta.url));
const log = (line: string) => process.stderr.write(`${line}\n`);

interface RelayProcess {
  readonly url: string;
  rssBytes(): number;
  stop(): Promise<void>;
}

// The relay as users start it, its soft open-file limit raised to the hard one (20 000 clients).
async function startRelay(workers: number): Promise<RelayProcess> {
  const cwd = mkdtempSync(join(tmpdir(), 'relaykit-bench-workers-'));
  const args = [
    'serve',
    '--port=0',
    '--host=127.0.0.1',
    '--log-format=json',
    '--greeting=none',
    '--drain-delay-ms=0',
    // The senders send far faster than a person: the per-socket limit would refuse them.
    '--rate-limit-burst=1000000',
    '--rate-limit-per-second=1000000',
    ...(workers > 1 ? [`--workers=${workers}`] : []),
  ];
  const script = `ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec '${process.execPath}' '${BIN}' ${args.join(' ')}`;
  const child: ChildProcess = spawn('sh', ['-c', script], { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolveUrl, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += String(chunk);
      const started = /"url":"([^"]+)"[^\n]*"msg":"relay started"/.exec(seen);
      if (started?.[1]) {
        child.stdout?.off('data', onData);
        child.stdout?.resume(); // the relay's log lines are read and dropped
        resolveUrl(started[1]);
      } else if (seen.length > 1_000_000) seen = seen.slice(-10_000);
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`relay exited with ${code} before it started`)));
  });
  const pid = child.pid as number;
  return {
    url,
    rssBytes: () => [pid, ...childrenOf(pid)].reduce((sum, p) => sum + rssOf(p), 0),
    stop: async () => {
      const exited = new Promise((done) => child.once('exit', done));
      child.kill('SIGINT');
      await exited;
      rmSync(cwd, { recursive: true, force: true });
    },
  };
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

function rssOf(pid: number): number {
  try {
    const kib = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kib ?? 0) * 1024;
  } catch {
    return 0;
  }
}

interface Step {
  readonly rate: number;
  readonly deliveriesPerSecond: number;
  readonly delivered: number;
  readonly p99Ms: number;
  readonly keptUp: boolean;
}

async function saturation(relay: RelayProcess): Promise<{ sustained: number; steps: Step[] }> {
  const receivers = await connectReceivers(relay.url, plan.receivers, plan.procs, 'websocket');
  const senders: LoadWorker[] = await Promise.all(
    Array.from({ length: plan.senders }, () => startLoadWorker()),
  );
  const steps: Step[] = [];
  try {
    for (let k = 0, rate = plan.startRate; k < plan.steps; k += 1, rate = Math.round(rate * 1.5)) {
      const tag = `sat${k}`;
      await receivers.record(tag);
      const sent = await Promise.all(
        senders.map((sender) =>
          sender.call<SendResult>({
            cmd: 'send',
            url: relay.url,
            transport: 'websocket',
            tag,
            rate: rate / plan.senders,
            durationMs: plan.stepMs,
            bytes: 100,
            kind: 'string',
          }),
        ),
      );
      const total = sent.reduce((n, s) => n + s.sent - s.refused, 0);
      await receivers.waitFor(total, 5000).catch(() => undefined);
      const got = await receivers.collect();
      const expected = total * plan.receivers;
      const p99Ms = summarise(got.samples).p99;
      const step: Step = {
        rate,
        delivered: got.count / Math.max(1, expected),
        deliveriesPerSecond: got.count / (plan.stepMs / 1000),
        p99Ms,
        keptUp: got.count >= 0.95 * expected && p99Ms <= 250,
      };
      steps.push(step);
      log(
        `  ${rate} msg/s offered: ${Math.round(step.deliveriesPerSecond)} deliveries/s, ${(step.delivered * 100).toFixed(1)} % delivered, p99 ${p99Ms.toFixed(1)} ms${step.keptUp ? '' : ' (saturated)'}`,
      );
      if (!step.keptUp) break;
    }
  } finally {
    await Promise.all(senders.map((sender) => sender.close()));
    await receivers.close();
  }
  const kept = steps.filter((step) => step.keptUp);
  return { sustained: Math.max(0, ...kept.map((step) => step.deliveriesPerSecond)), steps };
}

// A ramp that ended with every step kept up measured the ramp, not the relay: its number is a floor.
function sustainedCell(result: { sustained: number; steps: Step[] } | undefined): string {
  if (!result) return '–';
  const saturated = result.steps.some((step) => !step.keptUp);
  return `${Math.round(result.sustained)}${saturated ? '' : ' (never saturated: at least)'}`;
}

async function idleMemory(relay: RelayProcess): Promise<number> {
  await delay(1000);
  const before = relay.rssBytes();
  const receivers = await connectReceivers(relay.url, plan.idleClients, plan.procs, 'websocket');
  try {
    await delay(1000);
    return (relay.rssBytes() - before) / plan.idleClients / 1024;
  } finally {
    await receivers.close();
  }
}

// Each idle client is an open socket in the relay (one process holds them all): fail before the run, not
// an hour into it with EMFILE in a log.
try {
  checkOpenFiles(plan.idleClients);
} catch (error) {
  log(`bench:workers: ${(error as Error).message}`);
  process.exit(2);
}

const results: Record<string, { sustained: number; steps: Step[]; rssPerClientKiB: number }> = {};
const startedAt = new Date().toISOString();
for (const workers of [1, 2]) {
  const name = workers === 1 ? 'one process' : `${workers} workers`;
  log(`${name}: saturation with ${plan.receivers} receivers, ${plan.senders} senders`);
  let relay = await startRelay(workers);
  const { sustained, steps } = await saturation(relay).finally(() => relay.stop());
  log(`${name}: idle memory at ${plan.idleClients} clients`);
  relay = await startRelay(workers);
  const rssPerClientKiB = await idleMemory(relay).finally(() => relay.stop());
  results[name] = { sustained, steps, rssPerClientKiB };
}
await closeLoadWorkers();

const one = results['one process'];
const two = results['2 workers'];
const ratio = one && two && one.sustained > 0 ? two.sustained / one.sustained : Number.NaN;
const markdown = [
  `# relay serve --workers 2 against one process${quick ? ' (--quick: a smoke check, not a measurement)' : args.out === 'workers' ? '' : ` (${args.out}: sizes changed)`}`,
  '',
  `${startedAt}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${loadavg()[0]?.toFixed(2)} at the end. Server and load generators share these cores.`,
  '',
  '| metric | one process | 2 workers | 2 workers ÷ one |',
  '| --- | ---: | ---: | ---: |',
  `| sustained deliveries/s (${plan.receivers} receivers, 100-byte messages) | ${sustainedCell(one)} | ${sustainedCell(two)} | ${ratio.toFixed(2)} |`,
  `| idle RSS per client at ${plan.idleClients} clients (KiB, all processes) | ${one?.rssPerClientKiB.toFixed(1)} | ${two?.rssPerClientKiB.toFixed(1)} | ${((two?.rssPerClientKiB ?? 0) / (one?.rssPerClientKiB ?? 1)).toFixed(2)} |`,
  '',
].join('\n');
const outDir = resolve('bench/results');
mkdirSync(outDir, { recursive: true });
const name = args.out;
writeFileSync(
  join(outDir, `${name}.json`),
  `${JSON.stringify({ startedAt, plan, results, ratio }, null, 2)}\n`,
);
writeFileSync(join(outDir, `${name}.md`), markdown);
process.stdout.write(markdown);

// A flood probe, not part of `npm run bench`: one client floods a relay with tiny refused events and this
// measures the server process from outside (RSS and peak RSS from /proc, how long another client waits for
// an answer, what the flooder is sent back, how many log bytes the server writes). Each scenario runs
// against a fresh server process, RelayKit with its defaults or plain socket.io with the same packet limit.
//
//   npx tsx bench/flood-probe.ts [--frames 700000] [--heap-mb 512] [--target relaykit|plain|both]
//   npx tsx bench/flood-probe.ts --logs     # log volume of refused HTTP requests, a rate-limited socket, /readyz
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { io as connectClient } from 'socket.io-client';
import { clientFrame, openEngineWebSocket } from '../test/support/engine-websocket.js';

type Target = 'relaykit' | 'plain';
const SELF = fileURLToPath(import.meta.url);
const TSX = import.meta.resolve('tsx');

function argument(name: string, fallback: string): string {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback);
}

// The server side: a relay with its defaults, or the seed's plain socket.io server.
async function serve(target: Target): Promise<void> {
  let port: number;
  if (target === 'relaykit') {
    const { createRelayServer } = await import('../src/index.js');
    const server = createRelayServer({ port: 0, host: '127.0.0.1', webPage: false });
    // For the log scenario: a relay whose readiness fails, as while its Redis is unreachable.
    if (process.argv.includes('--not-ready')) {
      server.addReadinessCheck('redis', () => ({ ok: false, detail: 'probe: unreachable' }));
    }
    ({ port } = await server.listen());
  } else {
    const { Server } = await import('socket.io');
    const http = createServer();
    const io = new Server(http, { maxHttpBufferSize: 65_536 });
    io.on('connection', (socket) => {
      socket.on('sendMessage', (content: unknown) => io.emit('sendMessageFromBack', content));
    });
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    port = (http.address() as AddressInfo).port;
  }
  process.send?.({ port });
  process.on('disconnect', () => process.exit(0));
}

interface ServerProcess {
  child: ChildProcess;
  port: number;
  logBytes: () => number;
  logs: () => { bytes: number; lines: number; withStack: number };
  memory: () => { rssMb: number; peakMb: number };
  exited: () => string | undefined;
}

async function startServer(target: Target, heapMb: string, extra: string[] = []): Promise<ServerProcess> {
  const flags = [`--import=${TSX}`, '--conditions=relaykit-source'];
  if (heapMb !== '0') flags.push(`--max-old-space-size=${heapMb}`);
  const child = spawn(process.execPath, [...flags, SELF, '--serve', target, ...extra], {
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let logBytes = 0;
  let logLines = 0;
  let stackLines = 0;
  let stderr = '';
  let exit: string | undefined;
  child.stdout?.on('data', (chunk: Buffer) => {
    logBytes += chunk.length;
    const text = String(chunk);
    logLines += text.split('\n').length - 1;
    stackLines += text.split('"stack":').length - 1;
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += String(chunk);
  });
  child.on('exit', (code, signal) => {
    const oom = /heap out of memory/.exec(stderr)?.[0];
    exit = `exited ${code ?? signal}${oom ? ` (${oom})` : ''}`;
  });
  const [message] = (await once(child, 'message')) as [{ port: number }];
  const memory = () => {
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
    return { rssMb: Math.round(kb('VmRSS') / 1024), peakMb: Math.round(kb('VmHWM') / 1024) };
  };
  return {
    child,
    port: message.port,
    logBytes: () => logBytes,
    logs: () => ({ bytes: logBytes, lines: logLines, withStack: stackLines }),
    memory,
    exited: () => exit,
  };
}

// A raw WebSocket to engine.io, joined to the default namespace, that counts what the server sends.
async function rawWebSocket(port: number): Promise<{
  socket: Socket;
  stats: { frames: number; bytes: number; relayErrors: number; acks: number; closed: boolean };
}> {
  const stats = { frames: 0, bytes: 0, relayErrors: 0, acks: 0, closed: false };
  const socket = await openEngineWebSocket(`http://127.0.0.1:${port}`, (text) => {
    stats.frames += 1;
    if (text.startsWith('42["relayError"')) stats.relayErrors += 1;
    else if (text.startsWith('43')) stats.acks += 1;
  });
  // Bytes on the wire from here on (the open and join packets before it are a few dozen bytes).
  socket.on('data', (chunk: Buffer) => {
    stats.bytes += chunk.length;
  });
  socket.on('close', () => {
    stats.closed = true;
  });
  return { socket, stats };
}

// How long a well-behaved client waits for its own message to come back while the flood goes on.
async function probeLatency(port: number, until: Promise<unknown>): Promise<number> {
  const probe = connectClient(`http://127.0.0.1:${port}`, { transports: ['websocket'], reconnection: false });
  await new Promise((resolve) => probe.once('connect', () => resolve(undefined)));
  let worst = 0;
  let done = false;
  void until.then(() => {
    done = true;
  });
  for (let i = 0; !done; i += 1) {
    const started = performance.now();
    const echoed = new Promise<void>((resolve) => {
      const heard = (content: unknown) => {
        if (content !== `probe ${i}`) return;
        probe.off('sendMessageFromBack', heard);
        resolve();
      };
      probe.on('sendMessageFromBack', heard);
    });
    probe.emit('sendMessage', `probe ${i}`);
    await echoed;
    worst = Math.max(worst, performance.now() - started);
    // 5 a second, under the relay's default rate limit of 10.
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  probe.disconnect();
  return Math.round(worst);
}

// Resolves once no answer to the flood has arrived for `quietMs` (or the connection closed); the probe's
// own messages, broadcast to the flooder too, do not count.
async function settled(
  stats: { relayErrors: number; acks: number; closed: boolean },
  quietMs: number,
): Promise<number> {
  const started = performance.now();
  let seen = -1;
  while (!stats.closed && stats.relayErrors + stats.acks !== seen) {
    seen = stats.relayErrors + stats.acks;
    await new Promise((resolve) => setTimeout(resolve, quietMs));
  }
  return Math.round(performance.now() - started);
}

async function wsFlood(target: Target, heapMb: string, frames: number, event: string): Promise<void> {
  const server = await startServer(target, heapMb);
  const { socket, stats } = await rawWebSocket(server.port);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const before = server.memory();
  const logsBefore = server.logBytes();
  const payload = clientFrame(`42${JSON.stringify(event === 'sendMessage' ? [event, 'x'] : [event])}`);
  const flood = Buffer.alloc(payload.length * frames);
  for (let i = 0; i < frames; i += 1) payload.copy(flood, i * payload.length);
  const started = performance.now();
  socket.write(flood);
  const quiet = settled(stats, 3000);
  const worstProbeMs = await probeLatency(server.port, quiet);
  const elapsedMs = Math.round(performance.now() - started);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const after = server.exited() ?? server.memory();
  console.log(
    JSON.stringify({
      scenario: `websocket, ${frames} frames of ${event}`,
      target,
      heapMb,
      rssBeforeMb: before.rssMb,
      after,
      flooderGot: { ...stats, bytes: stats.bytes },
      worstProbeMs,
      untilQuietMs: elapsedMs,
      serverLogBytes: server.logBytes() - logsBefore,
    }),
  );
  socket.destroy();
  server.child.kill();
}

async function http(port: number, method: string, path: string, body?: string): Promise<string> {
  const req = request({ port, host: '127.0.0.1', method, path, headers: { 'Content-Type': 'text/plain' } });
  req.end(body);
  const [res] = (await once(req, 'response')) as [NodeJS.ReadableStream];
  let text = '';
  for await (const chunk of res) text += String(chunk);
  return text;
}

async function pollingFlood(target: Target, heapMb: string): Promise<void> {
  const server = await startServer(target, heapMb);
  const open = await http(server.port, 'GET', '/socket.io/?EIO=4&transport=polling');
  const { sid } = JSON.parse(open.slice(1)) as { sid: string };
  const path = `/socket.io/?EIO=4&transport=polling&sid=${sid}`;
  await http(server.port, 'POST', path, '40');
  await http(server.port, 'GET', path);
  const packets: string[] = [];
  let size = 0;
  while (size < 60_000) {
    const packet = '42["x"]';
    packets.push(packet);
    size += packet.length + 1;
  }
  const body = packets.join('\x1e');
  await http(server.port, 'POST', path, body);
  let answered = 0;
  let relayErrors = 0;
  // What the relay queued for this client, taken in as many polls as it needs.
  for (let poll = 0; poll < 50; poll += 1) {
    const text = await Promise.race([
      http(server.port, 'GET', path),
      new Promise<string>((resolve) => setTimeout(() => resolve(''), 1500)),
    ]);
    if (text === '' || text.startsWith('{"code"')) break;
    answered += Buffer.byteLength(text);
    const received = text.split('\x1e');
    relayErrors += received.filter((packet) => packet.startsWith('42["relayError"')).length;
    if (received.includes('1')) break; // the server closed the session
  }
  console.log(
    JSON.stringify({
      scenario: `polling, one POST of ${packets.length} packets (${body.length} bytes)`,
      target,
      answeredBytes: answered,
      ratio: Math.round((answered / body.length) * 10) / 10,
      relayErrors,
    }),
  );
  server.child.kill();
}

// What one scenario wrote to the log, after the relay has had a moment to write it.
async function logsOf(server: ServerProcess, scenario: () => Promise<unknown>): Promise<object> {
  await new Promise((resolve) => setTimeout(resolve, 300));
  const before = server.logs();
  const started = performance.now();
  const detail = await scenario();
  const elapsedMs = Math.round(performance.now() - started);
  await new Promise((resolve) => setTimeout(resolve, 500));
  const after = server.logs();
  return {
    elapsedMs,
    logBytes: after.bytes - before.bytes,
    logLines: after.lines - before.lines,
    linesWithStack: after.withStack - before.withStack,
    detail,
  };
}

async function logVolume(): Promise<void> {
  const server = await startServer('relaykit', '0', ['--not-ready']);
  const base = `http://127.0.0.1:${server.port}`;
  const unauthorized = await logsOf(server, async () => {
    const refuse = () =>
      fetch(`${base}/v1/messages`, {
        method: 'POST',
        headers: { authorization: 'Bearer not-a-token', 'content-type': 'application/json' },
        body: '{"content":"x"}',
      }).then((response) => response.arrayBuffer());
    for (let sent = 0; sent < 3000; sent += 50) await Promise.all(Array.from({ length: 50 }, refuse));
    return '3000 POST /v1/messages with an unknown bearer token, 50 at a time';
  });
  console.log(JSON.stringify({ scenario: 'unauthorized', ...unauthorized }));
  const limited = await logsOf(server, async () => {
    const client = connectClient(base, { transports: ['websocket'], reconnection: false });
    await new Promise((resolve) => client.once('connect', () => resolve(undefined)));
    // 40 a second for 3 s against the default 10 a second (bursts of 20): refused between refills.
    let refused = 0;
    const answers: Array<Promise<void>> = [];
    for (let i = 0; i < 120; i += 1) {
      answers.push(
        client.emitWithAck('sendMessage', `m${i}`).then((answer: { ok: boolean }) => {
          if (!answer.ok) refused += 1;
        }),
      );
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    await Promise.all(answers);
    client.disconnect();
    return `120 sendMessage over 3 s, ${refused} refused RELAY_ERR_RATE_LIMITED`;
  });
  console.log(JSON.stringify({ scenario: 'rate-limited socket', ...limited }));
  const readyz = await logsOf(server, async () => {
    for (let i = 0; i < 100; i += 1) await (await fetch(`${base}/readyz`)).arrayBuffer();
    return '100 GET /readyz while a readiness check fails';
  });
  console.log(JSON.stringify({ scenario: 'readyz 503', ...readyz }));
  server.child.kill();
}

if (process.argv.includes('--serve')) {
  await serve(argument('serve', 'relaykit') as Target);
} else if (process.argv.includes('--logs')) {
  await logVolume();
  process.exit(0);
} else {
  const frames = Number(argument('frames', '700000'));
  const heapMb = argument('heap-mb', '0');
  const wanted = argument('target', 'both');
  const targets: Target[] = wanted === 'both' ? ['relaykit', 'plain'] : [wanted as Target];
  for (const target of targets) {
    await wsFlood(target, heapMb, frames, 'x');
    if (target === 'relaykit') await wsFlood(target, heapMb, frames, 'sendMessage');
    await pollingFlood(target, heapMb);
  }
  process.exit(0);
}

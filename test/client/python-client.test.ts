// docs/python-client.md's example: run with python-socketio against a real relay when it is installed,
// and its wire sequence run with socket.io-client in any case (the arguments a Python handler gets).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openClient } from '../support/connect-client.js';
import { requireBinary } from '../support/require-binary.js';
import { startRelay } from '../support/start-relay.js';
import { waitForEvent } from '../support/wait-for-event.js';

const page = readFileSync(new URL('../../docs/python-client.md', import.meta.url), 'utf8');
const example = /```python\n([\s\S]*?)```/.exec(page)?.[1] ?? '';

const python = requireBinary('python3', {
  paths: ['/usr/bin/python3'],
  install: 'apt-get install -y python3-socketio python3-websocket',
});

function run(command: string, args: readonly string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const dir = await mkdtemp(path.join(tmpdir(), 'relay-python-'));
const script = path.join(dir, 'relay_client.py');
await writeFile(script, example);
afterAll(() => rm(dir, { recursive: true, force: true }));

const hasSocketio =
  python !== undefined && (await run(python, ['-c', 'import socketio, websocket'])).code === 0;
if (python && !hasSocketio) {
  // As requireBinary does: under CI a missing dependency fails the run instead of skipping it.
  if (process.env.CI)
    throw new Error(
      'python-socketio is required in CI: apt-get install -y python3-socketio python3-websocket',
    );
  console.warn(
    'skipping the python-socketio run of docs/python-client.md: `import socketio, websocket` fails ' +
      '(apt-get install -y python3-socketio python3-websocket); its wire sequence is still checked with socket.io-client',
  );
}

describe.skipIf(!python)('docs/python-client.md with python3', () => {
  it('is valid Python', async () => {
    expect(example).toContain('import socketio');
    const compiled = await run(python as string, [
      '-c',
      'import ast, sys; ast.parse(open(sys.argv[1]).read())',
      script,
    ]);
    expect(compiled).toMatchObject({ code: 0, stderr: '' });
  });

  it.skipIf(!hasSocketio)(
    'runs as documented against a relay: its own message and the ack (and the greeting), then exits',
    async () => {
      const { url } = await startRelay();
      const result = await run(python as string, [script], { RELAY_URL: url });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      // python-socketio runs each handler in a thread of its own: the lines come in any order, two
      // threads' prints can even share a line (a print writes its text and its newline apart), and the
      // script waits for its own message only, so the greeting's thread could lose the race to the exit.
      const ack = /ack: \{'ok': True, 'id': '[0-9a-f-]{36}'\}/;
      expect(result.stdout).toContain('py: Hello from Python');
      expect(result.stdout).toMatch(ack);
      const rest = result.stdout
        .replace('py: Hello from Python', '')
        .replace(ack, '')
        .replace('relay: New user connected', '');
      expect(rest.trim()).toBe('');
    },
  );

  it.skipIf(!hasSocketio)(
    'shows why the handlers take *_: a (content, meta) handler fails on every message',
    async () => {
      const { url } = await startRelay();
      const strict = example.replace(
        'def on_message(content, meta=None, *_):',
        'def on_message(content, meta):',
      );
      expect(strict).not.toBe(example);
      const strictScript = path.join(dir, 'strict_client.py');
      await writeFile(strictScript, strict);
      const result = await run(python as string, [strictScript], { RELAY_URL: url });
      expect(result.stderr).toMatch(/on_message\(\) takes 2 positional arguments but 3 were given/);
    },
  );
});

describe("the example's wire sequence, with socket.io-client", () => {
  it('hands every handler its arguments then the recovery offset: content, meta, offset; an error, offset', async () => {
    const { url } = await startRelay();
    const client = openClient(url, {
      auth: { name: 'py', room: 'general' },
      transports: ['websocket'],
      autoConnect: false,
    });
    const received: unknown[][] = [];
    client.on('sendMessageFromBack', (...args: unknown[]) => received.push(args));
    const greeted = waitForEvent(client, 'sendMessageFromBack');
    client.connect();
    await greeted;
    const echoed = waitForEvent(client, 'sendMessageFromBack');
    const ack = await client.emitWithAck('sendMessage', 'Hello from Python');
    await echoed;
    expect(ack).toEqual({ ok: true, id: expect.any(String) });
    expect(received).toEqual([
      [
        'New user connected',
        expect.objectContaining({ from: expect.objectContaining({ name: 'relay' }) }),
        expect.any(String),
      ],
      [
        'Hello from Python',
        expect.objectContaining({
          id: ack.ok ? ack.id : '',
          room: 'general',
          from: expect.objectContaining({ name: 'py' }),
        }),
        expect.any(String),
      ],
    ]);
    const refused = waitForEvent<unknown[]>(client, 'relayError');
    client.emit('sendMessage', 7 as unknown as string);
    expect(await refused).toEqual([
      expect.objectContaining({ code: 'RELAY_ERR_INVALID_CONTENT', event: 'sendMessage' }),
      expect.any(String),
    ]);
  });

  it('sends no offset with recoveryWindowMs: 0, so (content, meta) handlers get exactly two arguments', async () => {
    const { url } = await startRelay({ recoveryWindowMs: 0 });
    const client = openClient(url, { autoConnect: false });
    const greeted = waitForEvent<unknown[]>(client, 'sendMessageFromBack');
    client.connect();
    expect(await greeted).toEqual(['New user connected', expect.any(Object)]);
  });
});

import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { requireBinary } from '../support/require-binary.js';
import { scratchDirectory } from '../support/spawn-relay-cli.js';

const BIN = fileURLToPath(new URL('../../bin/relay.js', import.meta.url));
const run = promisify(execFile);

// The first port an unprivileged process may bind (1024 unless the system lowered it; 0: every port).
const firstUnprivileged = (() => {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8'));
  } catch {
    return 1024;
  }
})();
const isRoot = process.getuid?.() === 0;
// Root binds any port: the relay is then run as `nobody`, which is what meets this error in production.
const setpriv = isRoot ? requireBinary('setpriv', { install: 'apt-get install -y util-linux' }) : undefined;
const asNobody = (command: string[]) => [
  setpriv as string,
  '--reuid=65534',
  '--regid=65534',
  '--clear-groups',
  ...command,
];
// `nobody` must be able to read the checkout (not so under a home folder of mode 0700, say).
const nobodyReads = (() => {
  if (!isRoot || setpriv === undefined) return true;
  const [file, ...args] = asNobody(['test', '-r', BIN]);
  return spawnSync(file as string, args).status === 0;
})();
const canMeetIt = firstUnprivileged > 1 && (!isRoot || setpriv !== undefined) && nobodyReads;
if (firstUnprivileged <= 1) {
  process.stdout.write('privileged-port test skipped: this system lets any process bind any port\n');
} else if (!nobodyReads) {
  process.stdout.write(`privileged-port test skipped: user nobody cannot read ${BIN}\n`);
}

describe.runIf(canMeetIt)('relay serve on a privileged port', () => {
  it('exits with a configuration error naming the port and how to fix it, not a bare EACCES', async () => {
    const cwd = scratchDirectory();
    chmodSync(cwd, 0o777);
    const relay = [
      process.execPath,
      BIN,
      'serve',
      '--port',
      String(firstUnprivileged - 1),
      '--host',
      '127.0.0.1',
    ];
    const [file, ...args] = isRoot ? asNobody(relay) : relay;
    const failed = await run(file as string, args, {
      cwd,
      timeout: 30_000,
      env: { ...process.env, HOME: cwd },
    }).then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failed?.code).toBeGreaterThan(0);
    expect(failed?.stderr).toContain('setting "port" is invalid');
    expect(failed?.stderr).toContain('EACCES');
    expect(failed?.stderr).toContain('use a port from 1024 up');
  });
});

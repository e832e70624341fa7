// A `relay serve` process joined to a cluster, for the fault tests (SIGKILL, restarts).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { track } from '../support/cleanup.js';
import { type CliProcess, spawnRelayCli } from '../support/spawn-relay-cli.js';

/** An empty folder of its own (schedule store, no plugins), removed after the test. */
export async function emptyDir(): Promise<string> {
  return track(await mkdtemp(path.join(tmpdir(), 'relaykit-node-')), (dir) =>
    rm(dir, { recursive: true, force: true }),
  );
}

/**
 * Starts `relay serve --redis-url ...` on `port` (default: a free one) with no greeting, and waits until
 * it listens and has joined the cluster. Killed after the test if still running.
 */
export async function startNode(
  redisUrl: string,
  options: { port?: number; extraArgs?: string[] } = {},
): Promise<CliProcess & { url: string; port: number }> {
  const args = ['serve', '--host', '127.0.0.1', '--port', String(options.port ?? 0)];
  args.push('--redis-url', redisUrl, '--greeting', 'none', ...(options.extraArgs ?? []));
  const node = spawnRelayCli(args, { cwd: await emptyDir() });
  const listening = await node.waitForLog((line) => line.msg === 'relay listening', 20_000);
  await node.waitForLog((line) => line.msg === 'cluster node joined through Redis', 10_000);
  return { ...node, url: listening.url as string, port: listening.port as number };
}

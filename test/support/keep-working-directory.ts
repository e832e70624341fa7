// Vitest's global setup: fails the run when a test wrote the stores' default files in the working
// directory's .relaykit/ (a relay made without in-memory stores, a CLI run without its own cwd). Those
// are a developer's own relay's data, and tests sharing them depend on each other's leftovers.
import { statSync } from 'node:fs';

const WATCHED = ['history.db', 'hooks.db', 'webhooks.db', 'schedules.db', 'dev-relay.json'].map(
  (name) => `.relaykit/${name}`,
);

const stamp = (file: string): string => {
  try {
    const { mtimeMs, size } = statSync(file);
    return `${mtimeMs}:${size}`;
  } catch {
    return 'absent';
  }
};

export function setup(): () => void {
  const before = new Map(WATCHED.map((file) => [file, stamp(file)]));
  return () => {
    const written = WATCHED.filter((file) => stamp(file) !== before.get(file));
    if (written.length > 0) {
      // Vitest reports a throw here but still exits 0: the exit code is what CI reads.
      process.exitCode = 1;
      throw new Error(
        `tests wrote ${written.join(', ')}: give relays IN_MEMORY_STORES (test/support/start-relay.ts) and CLI runs a temporary cwd`,
      );
    }
  };
}

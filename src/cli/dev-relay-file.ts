import { lstat, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import path from 'node:path';

/**
 * Where `relay serve` records a dev relay for the commands run in the same folder: relative to the
 * working directory, next to the schedule store.
 */
export const DEV_RELAY_FILE = path.join('.relaykit', 'dev-relay.json');

/** What the dev relay file says: a relay of this machine and its generated admin token. */
export interface DevRelay {
  readonly url: string;
  readonly pid: number;
  readonly apiToken: string;
  /** The relay process's time zone: where jobs without a zone of their own run. */
  readonly timezone: string;
}

/** What looking for the dev relay file found; undefined when there is none. */
export type DevRelayLookup =
  | { readonly relay: DevRelay }
  | { readonly refused: string }
  | { readonly stalePid: number }
  | undefined;

/**
 * Writes the dev relay file (mode 0600, in a 0700 `.relaykit/` when it makes it) for the commands run in
 * `cwd`; atomic, so a reader never sees half a file. Resolves with its path.
 */
export async function writeDevRelayFile(cwd: string, relay: DevRelay): Promise<string> {
  const file = path.join(cwd, DEV_RELAY_FILE);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temporary = `${file}.${relay.pid}.tmp`;
  await unlink(temporary).catch(() => undefined);
  // `wx` creates the file with 0600 from the start: the token is never readable by others.
  await writeFile(temporary, `${JSON.stringify(relay, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  await rename(temporary, file);
  return file;
}

/** Removes the dev relay file if it still names `pid` (another relay may have started here since). */
export async function removeDevRelayFile(cwd: string, pid: number): Promise<void> {
  const file = path.join(cwd, DEV_RELAY_FILE);
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return;
  try {
    if ((JSON.parse(text) as { pid?: unknown }).pid !== pid) return;
  } catch {
    return;
  }
  await unlink(file).catch(() => undefined);
}

/**
 * Reads the dev relay file of `cwd`, trusting it only if it is a regular file that this user owns and
 * nobody else can read or write, names a loopback URL, and its relay process still runs. Why: a file
 * others can write could send this user's announcements to a server of theirs; one others can read has
 * leaked its token; a relay that is gone may have left its port to another program. Never throws.
 */
export async function readDevRelayFile(
  cwd: string,
  isProcessRunning: (pid: number) => boolean,
): Promise<DevRelayLookup> {
  const file = path.join(cwd, DEV_RELAY_FILE);
  const stats = await lstat(file).catch(() => undefined);
  if (!stats) return undefined;
  const refuse = (why: string) => ({ refused: `${DEV_RELAY_FILE} is not used: ${why}` });
  if (!stats.isFile()) return refuse('it is not a regular file');
  const uid = currentUid();
  // Without POSIX owners and modes (Windows) the checks cannot be made, so the file is not trusted.
  if (uid === undefined) return refuse('file owners cannot be checked on this system');
  if (stats.uid !== uid) return refuse('another user owns it');
  if ((stats.mode & 0o077) !== 0) return refuse('others can read or write it; delete it');
  let relay: Partial<DevRelay>;
  try {
    relay = JSON.parse(await readFile(file, 'utf8')) as Partial<DevRelay>;
  } catch {
    return refuse('it is not JSON');
  }
  const { url, pid, apiToken, timezone } = relay;
  if (
    typeof url !== 'string' ||
    !isLoopbackUrl(url) ||
    typeof pid !== 'number' ||
    !Number.isInteger(pid) ||
    pid <= 0 ||
    typeof apiToken !== 'string' ||
    apiToken === '' ||
    typeof timezone !== 'string'
  ) {
    return refuse('it does not name a relay on this machine');
  }
  if (!isProcessRunning(pid)) return { stalePid: pid };
  return { relay: { url, pid, apiToken, timezone } };
}

/** True when `url` names this machine: localhost, 127.0.0.0/8 or ::1. */
export function isLoopbackUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function currentUid(): number | undefined {
  try {
    const { uid } = userInfo();
    return uid >= 0 ? uid : undefined;
  } catch {
    // A uid with no user entry (some containers): nothing to compare owners with.
    return undefined;
  }
}

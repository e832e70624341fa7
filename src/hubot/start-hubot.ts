import { readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Robot } from 'hubot';
import type { Logger } from 'pino';
import { RelayError } from '../relay/relay-error.js';
import { type HubotBrainStore, openHubotBrainFile } from './hubot-brain-store.js';
import { RelayAdapter, type RelayAdapterOptions } from './relay-adapter.js';

/** What {@link startHubot} runs, and where. */
export interface StartHubotOptions extends Omit<RelayAdapterOptions, 'brain' | 'logger'> {
  /** The robot's name: what `respond` listens for (`hubot ping`, `@hubot ping`, `hubot: ping`). */
  readonly name: string;
  /** Another name the robot answers to, e.g. `/` or `bot`. */
  readonly alias?: string;
  /** Scripts: a file, a folder of scripts, or an installed package name (`hubot-diagnostics`). */
  readonly scripts: readonly string[];
  readonly logger: Logger;
  /** Folder of the brain file (`botStoreDir`); the brain is in memory only without it or `brain`. */
  readonly storeDir?: string;
  /** A brain store of your own (e.g. `openHubotBrainRedis`), instead of the file in `storeDir`; closed with the robot. */
  readonly brain?: HubotBrainStore;
  /** Base of relative script paths and of package lookups; default the working directory. */
  readonly cwd?: string;
}

/** A running Hubot: its robot, and how to stop it. */
export interface RunningHubot {
  readonly robot: Robot;
  /**
   * Scripts that failed to load, each logged with its reason. A file that a script package loads later
   * (from a callback, as generator-hubot-script's template does) is added when it fails.
   */
  readonly failed: readonly string[];
  /** Shuts the robot down and waits until its brain is saved. Idempotent. */
  close(): Promise<void>;
  /**
   * Resolves once the relay refused the bot for good after it had started (its token no longer
   * valid, as after a restart of a relay without a fixed `botToken`) and the robot is shut down.
   */
  readonly refused: Promise<void>;
}

/**
 * Runs the real Hubot `Robot` with scripts against a relay, through {@link RelayAdapter}. Hubot's HTTP
 * server stays off (scripts' routes are logged and ignored). A script that fails to load is logged and
 * the others load; it rejects only when the relay refuses the bot.
 *
 * @example
 * ```ts
 * const hubot = await startHubot({ url, token, name: 'hubot', scripts: ['hubot-diagnostics'], logger });
 * await hubot.close();
 * ```
 */
export async function startHubot(options: StartHubotOptions): Promise<RunningHubot> {
  const log = options.logger.child({ bot: options.name });
  const brain =
    options.brain ??
    (options.storeDir === undefined
      ? undefined
      : await openHubotBrainFile(options.storeDir, options.name, log));
  const robot = new Robot(
    {
      use: (r: Robot) =>
        new RelayAdapter(r, { ...options, logger: options.logger, ...(brain ? { brain } : {}) }),
    },
    false,
    options.name,
    options.alias ?? false,
  );
  // Hubot's own pino logger writes to stdout at its own level; the relay's keeps one log.
  robot.logger = log;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      robot.shutdown();
      // A brain that cannot be saved now is said in the log; the robot is stopped all the same.
      await brain
        ?.close()
        .catch((error: unknown) =>
          log.error({ err: error }, 'the brain could not be saved; its last changes are lost'),
        );
    })();
    return closing;
  };
  try {
    await robot.loadAdapter();
    await robot.run();
  } catch (error) {
    await close();
    throw error;
  }
  const refused = new Promise<void>((resolve) =>
    robot.adapter?.once('refused', () => void close().then(resolve, resolve)),
  );
  const failed = await loadScripts(robot, options.scripts, options.cwd ?? process.cwd());
  // As Hubot's own command line announces it, once every script is loaded.
  robot.emit('scripts have loaded', robot);
  return { robot, failed, close, refused };
}

async function loadScripts(robot: Robot, scripts: readonly string[], cwd: string): Promise<string[]> {
  // Script packages call robot.loadFile without awaiting it, some from a callback after their function
  // has returned (generator-hubot-script's template, inside fs.exists). Follow those calls for the
  // robot's whole life, so that a file that fails is reported instead of an unhandled rejection that
  // would end the process.
  const failed: string[] = [];
  let pending: Promise<boolean>[] | undefined = [];
  const loadFile = robot.loadFile.bind(robot);
  robot.loadFile = (folder, file) => {
    const loading = loadFile(folder, file);
    const settled = loading.then(
      () => true,
      () => false, // Hubot has logged the file and the reason.
    );
    if (pending) pending.push(settled);
    else void settled.then((ok) => ok || failed.push(path.join(folder, file)));
    return loading;
  };
  for (const script of scripts) {
    const from = pending.length;
    const loaded = await loadScript(robot, script, cwd);
    const files = await Promise.all(pending.slice(from));
    if (!loaded || files.includes(false)) failed.push(script);
  }
  pending = undefined;
  return failed;
}

async function loadScript(robot: Robot, script: string, cwd: string): Promise<boolean> {
  const full = path.resolve(cwd, script);
  const kind = statSync(full, { throwIfNoEntry: false });
  try {
    if (kind?.isDirectory()) {
      const results = await robot.load(full);
      return results.length > 0;
    }
    if (kind?.isFile()) {
      await robot.loadFile(path.dirname(full), path.basename(full));
      return true;
    }
    // An installed package, found from `cwd` as the project's own code would find it.
    const entry = resolvePackage(script, cwd);
    const loaded = (await import(pathToFileURL(entry).href)) as { default?: unknown };
    if (typeof loaded.default !== 'function') {
      throw new RelayError(
        'RELAY_ERR_PLUGIN_LOAD_FAILED',
        `${script} does not export a function of the robot`,
      );
    }
    await loaded.default(robot);
    return true;
  } catch (error) {
    robot.logger.error({ err: error, script }, 'hubot script could not be loaded');
    return false;
  }
}

// CommonJS resolution first (hubot-* packages are CommonJS), then a package whose `exports` only has an
// `import` entry, which Hubot's own `import(name)` loads and require.resolve refuses
// (ERR_PACKAGE_PATH_NOT_EXPORTED).
function resolvePackage(name: string, cwd: string): string {
  try {
    return createRequire(path.join(cwd, 'package.json')).resolve(name);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ERR_PACKAGE_PATH_NOT_EXPORTED') throw error;
    for (let dir = cwd; ; dir = path.dirname(dir)) {
      const folder = path.join(dir, 'node_modules', name);
      const manifest = readManifest(path.join(folder, 'package.json'));
      if (manifest) {
        const entry = importEntry(manifest.exports);
        if (entry) return path.join(folder, entry);
        break;
      }
      if (path.dirname(dir) === dir) break;
    }
    throw error;
  }
}

function readManifest(file: string): { exports?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { exports?: unknown };
  } catch {
    return undefined;
  }
}

// The entry `import` of a package's `exports` gives for the package itself.
function importEntry(exports: unknown): string | undefined {
  if (typeof exports === 'string') return exports;
  if (typeof exports !== 'object' || exports === null) return undefined;
  const root = '.' in exports ? (exports as Record<string, unknown>)['.'] : exports;
  if (typeof root === 'string') return root;
  if (typeof root !== 'object' || root === null) return undefined;
  const conditions = root as Record<string, unknown>;
  for (const condition of ['import', 'node', 'default']) {
    const target = importEntry(conditions[condition]);
    if (target) return target;
  }
  return undefined;
}

import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { track } from './cleanup.js';

const REPO = path.resolve(import.meta.dirname, '../..');

/**
 * The bots RelayKit ships in `plugins/`. Tests name them instead of reading the folder, because the
 * first-bot tutorial (`relay new-bot`) adds the user's own bots there.
 */
export const SHIPPED_PLUGINS = ['echo', 'help', 'ping', 'remind', 'welcome'] as const;

/** Absolute paths of the shipped plugin files, all of them unless `names` picks some. */
export function shippedPluginFiles(names: readonly string[] = SHIPPED_PLUGINS): string[] {
  return names.map((name) => path.join(REPO, 'plugins', `${name}.ts`));
}

/**
 * A fresh working directory whose `plugins/` holds copies of the shipped plugins and nothing else,
 * removed after the test: for commands that read `./plugins` of their working directory. It is made
 * inside the repository (in the gitignored `.relaykit/`), so that the copies' `import … from 'relaykit'`
 * resolves.
 */
export async function workdirWithShippedPlugins(): Promise<string> {
  await mkdir(path.join(REPO, '.relaykit'), { recursive: true });
  const dir = track(await mkdtemp(path.join(REPO, '.relaykit', 'shipped-plugins-')), (d) =>
    rm(d, { recursive: true, force: true }),
  );
  await mkdir(path.join(dir, 'plugins'));
  for (const file of shippedPluginFiles())
    await copyFile(file, path.join(dir, 'plugins', path.basename(file)));
  return dir;
}

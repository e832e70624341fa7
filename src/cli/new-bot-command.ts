import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { type CliContext, failCommand } from './cli-context.js';

// The templates ship in the package's plugins/templates/ (two levels up from src/cli and dist/cli).
const TEMPLATES = new URL('../../plugins/templates/', import.meta.url);
// The generated plugin's command has the bot's name: at most 32 characters, as command names.
const BOT_NAME = /^[a-z][a-z0-9-]{0,31}$/;

/**
 * `relay new-bot NAME`: writes `plugins/NAME.ts` (a working bot) and `test/plugins/NAME.test.ts` (its
 * test with the testing kit) under the working directory, or `--dir`. Never overwrites without `--force`.
 */
export function newBotCommand(context: CliContext): CommandModule {
  return {
    command: 'new-bot <name>',
    describe: 'create plugins/NAME.ts and its test from a template',
    builder: (args: Argv) =>
      args
        .positional('name', { type: 'string', describe: 'bot name: lower-case letters, digits and "-"' })
        .option('dir', { type: 'string', describe: 'project folder (default: the working directory)' })
        .option('force', { type: 'boolean', default: false, describe: 'overwrite existing files' })
        .example(`$0 new-bot greeter   # plugins/greeter.ts and test/plugins/greeter.test.ts`, ''),
    handler: async (argv: ArgumentsCamelCase) => {
      const name = String(argv.name);
      if (!BOT_NAME.test(name)) {
        // What was typed is wrong, as a bad flag is: a usage error.
        const problem = `bot name ${JSON.stringify(name)} is not valid: use a-z, 0-9 and "-", starting with a letter, at most 32 characters`;
        failCommand(context, problem, 2);
        return;
      }
      const root = path.resolve(context.cwd, typeof argv.dir === 'string' ? argv.dir : '.');
      const files = [
        { template: 'bot.ts.tmpl', target: path.join(root, 'plugins', `${name}.ts`) },
        { template: 'bot.test.ts.tmpl', target: path.join(root, 'test', 'plugins', `${name}.test.ts`) },
      ];
      if (argv.force !== true) {
        for (const { target } of files) {
          if (await stat(target).catch(() => undefined)) {
            throw new Error(
              `${path.relative(context.cwd, target) || target} exists; pass --force to overwrite it`,
            );
          }
        }
      }
      for (const { template, target } of files) {
        const text = await readFile(new URL(template, TEMPLATES), 'utf8');
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, text.replaceAll('__NAME__', name));
        context.stdout.write(`created ${path.relative(context.cwd, target)}\n`);
      }
      context.stdout.write(
        `\nnext: npx relay serve --watch, then say "!${name} Ada" in the chat page; test: npx vitest run test/plugins/${name}.test.ts\n`,
      );
    },
  };
}

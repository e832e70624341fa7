import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { RelayError } from '../relay/relay-error.js';
import { announceCommand } from './announce-command.js';
import { botsCommand } from './bots-command.js';
import type { CliContext } from './cli-context.js';
import { explainUsageError, helpCommandPath } from './explain-usage-error.js';
import { hooksCommand } from './hooks-command.js';
import { hubotCommand } from './hubot-command.js';
import { newBotCommand } from './new-bot-command.js';
import { scheduleCommand } from './schedule-command.js';
import { serveCommand } from './serve-command.js';
import { tokenCommand } from './token-command.js';
import { webhooksCommand } from './webhooks-command.js';

/**
 * Parses `argv` and runs the command, without touching `process`: the entry (`main.ts`) owns signals
 * and exit codes. Resolves with the context, whose `running` is set when the command keeps running.
 */
export async function runCli(argv: readonly string[], context: CliContext): Promise<CliContext> {
  const commands = [
    serveCommand(context, argv),
    botsCommand(context),
    newBotCommand(context),
    announceCommand(context),
    scheduleCommand(context),
    hooksCommand(context),
    hubotCommand(context),
    webhooksCommand(context),
    tokenCommand(context),
  ];
  let parser = yargs([...argv])
    .scriptName('relay')
    .usage('$0 <command> [options]');
  for (const command of commands) parser = parser.command(command);
  parser = parser
    .demandCommand(1, 'name a command, e.g. relay serve')
    .strict()
    .help()
    .alias('h', 'help')
    .version(relaykitVersion())
    .wrap(Math.min(110, (context.stdout as { columns?: number }).columns ?? 110))
    .exitProcess(false)
    .fail((message, error, usage: unknown) => {
      // yargs's own errors (a flag without its value) are usage errors too: exit code 2.
      if (error && error.name !== 'YError') throw error;
      const names = commands.map((command) => String(command.command));
      throw new UsageError(
        explainUsageError(message ?? error?.message ?? '', argv, usage),
        helpCommandPath(argv, names, usage),
      );
    });
  try {
    // With a callback yargs hands over what it would print (help, version): to the command's stdout.
    await parser.parseAsync([...argv], {}, (_error, _parsed, output) => {
      if (output) context.stdout.write(`${output}\n`);
    });
  } catch (error) {
    context.exitCode = error instanceof UsageError || error instanceof RelayError ? 2 : 1;
    if (error instanceof RelayError && error.code !== 'RELAY_ERR_CONFIG_INVALID') context.exitCode = 1;
    const code = error instanceof RelayError ? `${error.code}: ` : '';
    context.stderr.write(`relay: ${code}${(error as Error).message}\n`);
    if (error instanceof UsageError) {
      // `relay schedule add --help` when the command is known: its options and an example.
      const named = error.helpCommand ? `${error.helpCommand} ` : '';
      context.stderr.write(`run "relay ${named}--help" for usage\n`);
    }
  }
  return context;
}

class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose `--help` would have helped: `schedule add`, `serve`, or '' for `relay`. */
    readonly helpCommand: string,
  ) {
    super(message);
  }
}

// RelayKit's own version: yargs's default reads the package.json above the last node_modules of its own
// path, which, once RelayKit is installed in a project, is that project's (src/cli and dist/cli alike
// are two folders below RelayKit's package.json).
function relaykitVersion(): string {
  const file = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

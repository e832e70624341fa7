import yargs from 'yargs';
import { RelayError } from '../relay/relay-error.js';
import { announceCommand } from './announce-command.js';
import { botsCommand } from './bots-command.js';
import type { CliContext } from './cli-context.js';
import { newBotCommand } from './new-bot-command.js';
import { scheduleCommand } from './schedule-command.js';
import { serveCommand } from './serve-command.js';

/**
 * Parses `argv` and runs the command, without touching `process`: the entry (`main.ts`) owns signals
 * and exit codes. Resolves with the context, whose `running` is set when the command keeps running.
 */
export async function runCli(argv: readonly string[], context: CliContext): Promise<CliContext> {
  const parser = yargs([...argv])
    .scriptName('relay')
    .usage('$0 <command> [options]')
    .command(serveCommand(context))
    .command(botsCommand(context))
    .command(newBotCommand(context))
    .command(announceCommand(context))
    .command(scheduleCommand(context))
    .demandCommand(1, 'name a command: relay serve')
    .strict()
    .help()
    .alias('h', 'help')
    .version()
    .wrap(Math.min(110, (context.stdout as { columns?: number }).columns ?? 110))
    .exitProcess(false)
    .fail((message, error) => {
      throw error ?? new UsageError(message);
    });
  try {
    await parser.parseAsync();
  } catch (error) {
    context.exitCode = error instanceof UsageError || error instanceof RelayError ? 2 : 1;
    if (error instanceof RelayError && error.code !== 'RELAY_ERR_CONFIG_INVALID') context.exitCode = 1;
    const code = error instanceof RelayError ? `${error.code}: ` : '';
    context.stderr.write(`relay: ${code}${(error as Error).message}\n`);
    if (error instanceof UsageError) context.stderr.write('run "relay --help" for usage\n');
  }
  return context;
}

class UsageError extends Error {}

import type { BotMessage, CommandMessage } from './bot-context.js';
import type { BotHandlers, BotHear } from './create-bot-context.js';
import type { Cause, HandlerRunner } from './handler-runner.js';
import { parseCommand } from './parse-command.js';

/** The registrations of one bot a message can reach, and how its handlers run. */
export interface DispatchTargets {
  readonly message: BotHandlers['message'];
  readonly hears: readonly BotHear[];
  readonly commands: ReadonlyMap<string, (message: CommandMessage) => unknown>;
  readonly prefix: string;
  readonly runner: HandlerRunner;
}

/**
 * Runs the handlers a message of `text` reaches: every `bot.on('message')`, each `bot.hear` whose
 * pattern matches, and the `bot.command` it names. `message(signal)` builds what each handler gets;
 * the handlers run as answers to `cause`.
 *
 * @example
 * ```ts
 * dispatchMessage(targets, 'hi there', causeOf(meta), (signal) => botMessage({ content, meta, text, signal }, send));
 * ```
 */
export function dispatchMessage(
  targets: DispatchTargets,
  text: string,
  cause: Cause,
  message: (signal: AbortSignal) => BotMessage,
): void {
  const { runner, prefix } = targets;
  for (const handler of targets.message) {
    void runner.run('on message', (signal) => handler(message(signal)), cause);
  }
  if (text === '') return;
  for (const { pattern, handler } of targets.hears) {
    // exec, not match: a /g pattern must still give its captures.
    pattern.lastIndex = 0;
    const match = pattern.exec(text);
    if (!match) continue;
    void runner.run(`hear ${pattern}`, (signal) => handler({ ...message(signal), match }), cause);
  }
  const command = parseCommand(text, prefix);
  const handler = command && targets.commands.get(command.name);
  if (command && handler) {
    void runner.run(
      `command ${prefix}${command.name}`,
      (signal) =>
        handler({ ...message(signal), command: command.name, args: command.args, rest: command.rest }),
      cause,
    );
  }
}

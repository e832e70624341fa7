import { RelayError } from '../relay/relay-error.js';
import type { CommandInfo } from './bot-context.js';

const COMMAND_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** Every command of the bots of one host: one owner per name, listed by `!help`. */
export class CommandRegistry {
  readonly #commands = new Map<string, CommandInfo>();

  /** Adds a command; throws when the name is taken by another bot or not valid. */
  add(info: CommandInfo): void {
    if (!COMMAND_NAME.test(info.name)) {
      throw new RelayError(
        'RELAY_ERR_PLUGIN_LOAD_FAILED',
        `bot "${info.bot}": command name ${JSON.stringify(info.name)} is not valid (1 to 32 lower-case letters, digits, "-", "_")`,
      );
    }
    const owner = this.#commands.get(info.name);
    if (owner) {
      throw new RelayError(
        'RELAY_ERR_PLUGIN_LOAD_FAILED',
        `bot "${info.bot}": command "${info.name}" is already registered by bot "${owner.bot}"`,
      );
    }
    this.#commands.set(info.name, info);
  }

  /** Removes every command of `bot`. */
  removeBot(bot: string): void {
    for (const [name, info] of this.#commands) if (info.bot === bot) this.#commands.delete(name);
  }

  /** Every command, sorted by name. */
  list(): CommandInfo[] {
    return [...this.#commands.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

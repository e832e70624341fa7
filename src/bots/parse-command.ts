/** A command as typed: `!remind 10m "stand up"` → `{ name: 'remind', args: ['10m', 'stand up'], rest: '10m "stand up"' }`. */
export interface ParsedCommand {
  readonly name: string;
  readonly args: string[];
  readonly rest: string;
}

const COMMAND = /^(\S+)(?:\s+([\s\S]*))?$/;
const ARGUMENT = /"([^"]*)"|'([^']*)'|(\S+)/g;

/**
 * Reads a command from a message's text, or returns undefined when the text does not start with
 * `prefix` directly followed by a name.
 *
 * @example
 * ```ts
 * parseCommand('!echo hello world', '!'); // { name: 'echo', args: ['hello', 'world'], rest: 'hello world' }
 * ```
 */
export function parseCommand(text: string, prefix: string): ParsedCommand | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith(prefix)) return undefined;
  const match = COMMAND.exec(trimmed.slice(prefix.length));
  if (!match?.[1]) return undefined;
  const rest = (match[2] ?? '').trim();
  const args = [...rest.matchAll(ARGUMENT)].map((part) => part[1] ?? part[2] ?? part[3] ?? '');
  return { name: match[1].toLowerCase(), args, rest };
}

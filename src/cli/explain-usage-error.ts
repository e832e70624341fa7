import { closestName } from '../config/closest-name.js';

/**
 * What yargs hands its `fail` callback as the third argument: the usage of the command being parsed.
 * Read loosely: yargs types it as the parser, and only these two methods are needed.
 */
interface CommandUsage {
  getDescriptions?: () => Record<string, unknown>;
  getCommands?: () => Array<[string, ...unknown[]]>;
}

/**
 * Rewrites a yargs usage error with "did you mean" hints: an unknown option is compared with the options
 * of the command being run (`--prot` → `--port`), an unknown command with the commands at that level
 * (`serv` → `serve`, `schedule lst` → `list`). Other messages are returned as they are.
 *
 * @example
 * ```ts
 * explainUsageError('Unknown argument: prot', ['serve', '--prot', '3'], usage);
 * // 'unknown option --prot; did you mean --port?'
 * ```
 */
export function explainUsageError(message: string, argv: readonly string[], usage: unknown): string {
  const { getDescriptions, getCommands } = (usage ?? {}) as CommandUsage;
  const options = Object.keys(getDescriptions?.call(usage) ?? {});
  const commands = (getCommands?.call(usage) ?? []).map(([command]) => command.split(' ')[0] ?? '');
  const unknown = /^Unknown arguments?: (.+)$/.exec(message)?.[1];
  if (unknown) {
    // yargs names `--rate-limit-brust` twice, also as `rateLimitBrust`.
    const names = [...new Set(unknown.split(', ').map(kebab))];
    const typo = names.find((name) => !isOption(name, argv) && closestName(name, commands));
    // A mistyped command: what follows it are that command's arguments, not more mistakes.
    if (typo) return explainUnknown(typo, argv, options, commands);
    return names.map((name) => explainUnknown(name, argv, options, commands)).join('; ');
  }
  // `relay schedule`: the `<command>` positional is checked before demandCommand's own message.
  if (commands.length > 0 && /^Not enough non-option arguments: got 0,/.test(message)) {
    return `name a ${argv[0] ?? 'relay'} command: ${commands.join(', ')}`;
  }
  // `schedule lst`: yargs takes "lst" for the subcommand's name and then finds no subcommand.
  if (commands.length > 0) {
    for (const token of argv.filter((arg) => !arg.startsWith('-'))) {
      const meant = commands.includes(token) ? undefined : closestName(token, commands);
      if (meant) return `unknown command "${token}"; did you mean "${meant}"? (${message})`;
    }
  }
  return message;
}

const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);

// Whether the command line has `name` as an option (`--name`, `--name=…`, `-n`), not as a word.
function isOption(name: string, argv: readonly string[]): boolean {
  const dashes = name.length === 1 ? '-' : '--';
  return argv.some((arg) => arg === `${dashes}${name}` || arg.startsWith(`${dashes}${name}=`));
}

function explainUnknown(
  name: string,
  argv: readonly string[],
  options: readonly string[],
  commands: readonly string[],
): string {
  if (isOption(name, argv)) {
    const dashes = name.length === 1 ? '-' : '--';
    const meant = closestName(name, options);
    return `unknown option ${dashes}${name}${meant ? `; did you mean --${meant}?` : ''}`;
  }
  const meant = closestName(name, commands);
  if (meant) return `unknown command "${name}"; did you mean "${meant}"?`;
  return `unexpected argument "${name}" (put text with spaces in quotes)`;
}

/**
 * The command whose `--help` a usage error should point at: `schedule add` when yargs failed inside that
 * subcommand (its usage lists no further commands), `schedule` when it failed choosing one, the bare
 * `relay` when the first word is no command. `commands` are the top-level command strings
 * (`schedule <command>` has subcommands).
 *
 * @example
 * ```ts
 * helpCommandPath(['schedule', 'add', 'x'], ['serve', 'schedule <command>'], usage); // 'schedule add'
 * ```
 */
export function helpCommandPath(
  argv: readonly string[],
  commands: readonly string[],
  usage: unknown,
): string {
  const [first, second] = argv;
  const top = commands.find((command) => command.split(' ')[0] === first);
  if (first === undefined || top === undefined) return '';
  const { getCommands } = (usage ?? {}) as CommandUsage;
  const insideSubcommand =
    top.includes('<command>') &&
    second !== undefined &&
    !second.startsWith('-') &&
    (getCommands?.call(usage) ?? []).length === 0;
  return insideSubcommand ? `${first} ${second}` : first;
}

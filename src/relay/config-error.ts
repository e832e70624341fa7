import { RelayError } from './relay-error.js';

/** The `key` of a {@link ConfigError} about the config file as a whole (missing, unreadable, bad syntax). */
export const CONFIG_FILE_KEY = '(file)';

/**
 * A setting that failed validation. `key` is the dotted path of the bad setting, `source` where it came
 * from; with {@link CONFIG_FILE_KEY}, the config file `source` itself is wrong.
 *
 * @example
 * ```ts
 * new ConfigError('rateLimit.burst', 'relay.config.yaml', 'expected an integer >= 1, got "x"');
 * ```
 */
export class ConfigError extends RelayError {
  readonly key: string;
  readonly source: string;

  constructor(key: string, source: string, problem: string) {
    super(
      'RELAY_ERR_CONFIG_INVALID',
      key === CONFIG_FILE_KEY
        ? `config file ${source}: ${problem}`
        : `${source}: setting "${key}" is invalid: ${problem}`,
    );
    this.name = 'ConfigError';
    this.key = key;
    this.source = source;
  }
}

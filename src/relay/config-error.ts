import { RelayError } from './relay-error.js';

/**
 * A setting that failed validation. `key` is the dotted path of the bad setting, `source` where it came from.
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
    super('RELAY_ERR_CONFIG_INVALID', `${source}: setting "${key}" is invalid: ${problem}`);
    this.name = 'ConfigError';
    this.key = key;
    this.source = source;
  }
}

import type { RelayError } from '../relay/relay-error.js';
import type { HandlerStats } from './handler-runner.js';

/** A plugin that did not start, and why. */
export interface PluginFailure {
  readonly file: string;
  readonly error: RelayError;
}

/** One bot of the host, for status pages and tests. */
export interface BotStatus {
  readonly name: string;
  readonly file: string | undefined;
  readonly connected: boolean;
  readonly stats: Readonly<HandlerStats>;
}

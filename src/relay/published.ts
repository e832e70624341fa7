import type { MessageMeta } from './events.js';
import type { PublishOptions } from './publish-options.js';

/** One message of `Relay.publishBatch`. */
export interface PublishRequest {
  readonly content: unknown;
  readonly options: PublishOptions;
}

/** A message `Relay.publish` accepted. */
export interface Published {
  readonly id: string;
  readonly meta: MessageMeta;
  /**
   * `undefined` on a relay that commits nothing beyond its process (a single node): the message was
   * delivered when `publish` returned. Otherwise (cluster mode) settles once the message is committed
   * (appended to the Redis stream, which every node delivers from), or rejects with a `RelayError`
   * (`RELAY_ERR_NOT_READY`) when it was not; then no client got it (unless Redis took it and only its
   * answer was lost: then every node delivers it, see docs/clustering.md). Ignoring
   * it is safe: it is never an unhandled rejection.
   */
  readonly committed: Promise<void> | undefined;
}

/** The messages `Relay.publishBatch` accepted, in order, and their one commit (see `Published`). */
export interface PublishedBatch {
  readonly messages: readonly { readonly id: string; readonly meta: MessageMeta }[];
  readonly committed: Promise<void> | undefined;
}

import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { withUserId } from './default-user-id.js';
import { emitMessage } from './emit-message.js';
import type { MessageContent, MessageMeta, Sender } from './events.js';
import { fitPage, maxPageMessages } from './history-cost.js';
import { InFlight } from './in-flight.js';
import { IsoClock } from './iso-clock.js';
import { newMessageId } from './message-id.js';
import type { HistoryPage, HistoryQuery, LoggedMessage, MessageLog } from './message-log.js';
import type { PublishCommitter } from './publish-committer.js';
import { type PublishObserver, PublishObservers } from './publish-observer.js';
import {
  type AcceptedMessage,
  inLogOrder,
  isKept,
  type PublishOptions,
  publishTarget,
} from './publish-options.js';
import type { Published, PublishedBatch, PublishRequest } from './published.js';
import { RefusalLog, type RefusalNote } from './refusal-log.js';
import { RelayError } from './relay-error.js';
import type { RelayIo } from './relay-io.js';
import { validateContent } from './validate-content.js';

/**
 * The single publish path of a relay. Socket users, HTTP announcements, bots and schedules all call
 * {@link Relay.publish}, so validation, limits, metrics and logging happen here and nowhere else.
 *
 * @example
 * ```ts
 * const { id } = server.relay.publish('Deploy freeze starts now', {
 *   from: { id: 'ops', name: 'ops', kind: 'http' },
 * });
 * ```
 */
export class Relay {
  readonly #io: RelayIo;
  readonly #log: Logger;
  readonly #maxContentBytes: number;
  readonly #maxHops: number;
  readonly #observers: PublishObservers;
  #committer: PublishCommitter | undefined;
  readonly #refusals: RefusalLog;
  #accepting = true;
  #messageLog: MessageLog | undefined;
  readonly #clock = new IsoClock();
  readonly #inFlight = new InFlight();

  constructor(options: {
    io: RelayIo;
    logger: Logger;
    maxContentBytes: number;
    maxHops?: number;
    /** The client a sender's refusals are logged under (see RefusalLog); default: the sender. */
    clientOf?: (from: Sender) => string | undefined;
  }) {
    this.#io = options.io;
    this.#log = options.logger;
    this.#maxContentBytes = options.maxContentBytes;
    this.#maxHops = options.maxHops ?? 3;
    this.#refusals = new RefusalLog(options.logger, options.clientOf);
    this.#observers = new PublishObservers(options.logger);
  }

  /**
   * Validates `content`, stamps its {@link MessageMeta} and emits `sendMessageFromBack(content, meta)` to
   * the clients `options` select. Throws a {@link RelayError} (and logs a warning) when the message is
   * refused; nothing is emitted then. In cluster mode the message is only out once `committed` settles.
   */
  publish(content: unknown, options: PublishOptions): Published {
    const startedAt = performance.now();
    const message = this.#accept(content, options);
    return { id: message.meta.id, meta: message.meta, committed: this.#out([message], startedAt) };
  }

  /**
   * Publishes several messages all or nothing: every one is checked before any is emitted, and in cluster
   * mode they are committed together (one Redis transaction), so a refused batch left none of them behind.
   */
  publishBatch(requests: readonly PublishRequest[]): PublishedBatch {
    const startedAt = performance.now();
    const accepted = requests.map((request, index) => {
      try {
        return this.#accept(request.content, request.options);
      } catch (error) {
        // Which message was refused, for the caller's answer (e.g. `messages[2].content` over HTTP).
        const refused = error as RelayError;
        throw new RelayError(refused.code, refused.detail, {
          cause: refused,
          batchIndex: index,
        }).markReported();
      }
    });
    const messages = accepted.map(({ meta }) => ({ id: meta.id, meta }));
    return { messages, committed: this.#out(accepted, startedAt) };
  }

  /**
   * Makes every later publish wait for `committer` (see {@link PublishCommitter}); returns a function that
   * removes it. A relay has at most one.
   */
  commitWith(committer: PublishCommitter): () => void {
    if (this.#committer !== undefined)
      throw new Error('this relay already commits through another committer');
    this.#committer = committer;
    return () => {
      if (this.#committer === committer) this.#committer = undefined;
    };
  }

  /**
   * Keeps every later message in `log` before it is delivered (see {@link MessageLog}, and `isKept` for
   * what is not kept), and reads history from it; returns a function that removes it. At most one.
   */
  logWith(log: MessageLog): () => void {
    if (this.#messageLog !== undefined) throw new Error('this relay already keeps a message log');
    this.#messageLog = log;
    return () => {
      if (this.#messageLog === log) this.#messageLog = undefined;
    };
  }

  /**
   * A page of the history of `query.room` (checked with `checkHistoryQuery`), oldest first, at most
   * `query.limit` messages and about 1 MiB of content as sent (see maxPageMessages and fitPage: `more`
   * then says so); rejects with `RELAY_ERR_HISTORY_OFF` on a relay that keeps none.
   */
  async readHistory(query: HistoryQuery): Promise<HistoryPage> {
    if (this.#messageLog === undefined) {
      throw new RelayError('RELAY_ERR_HISTORY_OFF', 'this relay keeps no history (history: false)');
    }
    const limit = Math.min(query.limit, maxPageMessages(this.#maxContentBytes));
    return fitPage(await this.#messageLog.read({ ...query, limit }), query);
  }

  /** Registers an observer of every publish and refusal; returns a function that removes it. */
  observe(observer: PublishObserver): () => void {
    return this.#observers.add(observer);
  }

  /**
   * Refuses every later publish with `RELAY_ERR_SHUTTING_DOWN`; resolves once what was accepted is stored
   * or committed (or after `drainMs`), so that its acks still go out before the sockets close.
   */
  stopAccepting(drainMs = 0): Promise<void> {
    this.#accepting = false;
    return this.#inFlight.drain(drainMs);
  }

  /** Ends the refusal episodes still open, writing their summary lines. Part of close; idempotent. */
  close(): void {
    this.#refusals.close();
  }

  /**
   * Reports a refusal that happened before `publish` (e.g. a bad event); logs it and tells observers.
   * `final`: the sender is being dropped, so this refusal is logged whatever the episode, with the
   * episode's count, and ends it.
   */
  reportRejected(error: RelayError, from: Sender, options: { final?: boolean } = {}): void {
    this.#reject(error, from, options);
  }

  #accept(content: unknown, options: PublishOptions): AcceptedMessage {
    let accepted: MessageContent;
    let target: string | null;
    try {
      if (!this.#accepting) throw new RelayError('RELAY_ERR_SHUTTING_DOWN', 'the relay is shutting down');
      accepted = validateContent(content, this.#maxContentBytes);
      target = publishTarget(options);
      if ((options.hops ?? 0) > this.#maxHops) {
        throw new RelayError(
          'RELAY_ERR_LOOP_DETECTED',
          `message is ${options.hops} bot hops from a person, over the limit of ${this.#maxHops}`,
        );
      }
      // Before the limiter: a message that cannot go out must not cost its sender a token.
      this.#committer?.assertReady();
      if (this.#messageLog !== undefined && isKept(options)) this.#messageLog.assertWritable();
      if (options.limiter && !options.limiter.take()) {
        throw options.limiter.refusal(`${options.from.kind} "${options.from.name}"`, 'message');
      }
    } catch (error) {
      const relayError = RelayError.from(error, 'validation failed');
      this.#reject(relayError, options.from);
      throw relayError;
    }
    const meta: MessageMeta = {
      id: newMessageId(),
      from: withUserId(options.from),
      room: options.room ?? null,
      at: this.#clock.now(),
      ...(options.causedBy === undefined ? {} : { causedBy: options.causedBy, hops: options.hops ?? 1 }),
      ...(options.to === undefined ? {} : { to: options.to }),
    };
    return { content: accepted, meta, target, options };
  }

  #deliverOrFail(message: AcceptedMessage): void {
    try {
      emitMessage(this.#io, message);
    } catch (error) {
      // Not the sender's fault: logged with the message id, as RELAY_ERR_INTERNAL's fix hint promises.
      const { id, from } = message.meta;
      this.#log.error({ err: error, id, from }, 'delivery failed');
      throw new RelayError('RELAY_ERR_INTERNAL', `delivering message ${id} failed`, { cause: error });
    }
  }

  // Into the history first when it keeps (or orders) them, else through the committer, else out.
  #out(messages: readonly AcceptedMessage[], startedAt: number): Promise<void> | undefined {
    const log = this.#messageLog;
    if (log !== undefined && messages.some(({ options }) => inLogOrder(options))) {
      return this.#store(log, messages, startedAt);
    }
    const committer = this.#committer;
    return committer === undefined
      ? this.#emit(messages, startedAt)
      : this.#commit(committer, messages, startedAt);
  }

  #emit(messages: readonly AcceptedMessage[], startedAt: number): undefined {
    for (const message of messages) this.#deliverOrFail(message);
    const elapsedMs = performance.now() - startedAt;
    for (const message of messages) this.#announce(message, elapsedMs);
    return undefined;
  }

  // Stored first, then delivered (through the committer when there is one): what a client saw live is in
  // the history, and a message the log could not keep reached nobody, so its sender may safely retry.
  #store(log: MessageLog, messages: readonly AcceptedMessage[], startedAt: number): Promise<void> {
    const entries: LoggedMessage[] = [];
    for (const { content, meta, options } of messages) if (isKept(options)) entries.push({ content, meta });
    const stored = log.append(entries).then(
      () => {
        this.#refusals.recovered();
        const committer = this.#committer;
        return committer === undefined
          ? this.#emit(messages, startedAt)
          : this.#commit(committer, messages, startedAt);
      },
      (error: unknown) => {
        const relayError = RelayError.from(error, 'keeping the message in the history failed');
        messages.forEach(({ options }, index) => {
          this.#reject(relayError, options.from, { logged: index > 0 });
        });
        throw relayError;
      },
    );
    return this.#inFlight.track(stored);
  }

  #commit(
    committer: PublishCommitter,
    messages: readonly AcceptedMessage[],
    startedAt: number,
  ): Promise<void> {
    const emit = () => {
      for (const message of messages) this.#deliverOrFail(message);
    };
    const committed = committer.commit(emit).then(
      () => {
        this.#refusals.recovered();
        const elapsedMs = performance.now() - startedAt;
        for (const message of messages) this.#announce(message, elapsedMs);
      },
      (error: unknown) => {
        const ids = messages.map(({ meta }) => meta.id).join(', ');
        const relayError = RelayError.from(error, `committing message ${ids} failed`);
        // One log line for the batch; every message is counted as refused.
        messages.forEach(({ options }, index) => {
          this.#reject(relayError, options.from, { logged: index > 0 });
        });
        throw relayError;
      },
    );
    return this.#inFlight.track(committed);
  }

  // The message is out: nothing from here on may turn it into an error, or its sender would retry and it
  // would be delivered twice.
  #announce({ meta, content }: AcceptedMessage, elapsedMs: number): void {
    this.#observers.published(meta, content, elapsedMs);
    if (this.#log.isLevelEnabled('debug')) {
      this.#log.debug({ msg: 'message published', id: meta.id, from: meta.from, room: meta.room });
    }
  }

  // Every refusal is counted by the observers (metrics); the refusal log decides what is logged.
  #reject(error: RelayError, from: Sender, note: RefusalNote = {}): void {
    this.#refusals.refused(error, from, note);
    error.markReported();
    this.#observers.rejected(error, from);
  }
}

import type { Logger } from 'pino';
import type { MessageContent } from '../relay/events.js';
import { RelayError } from '../relay/relay-error.js';
import { MAX_TIMER_MS } from '../relay/with-deadline.js';
import { isScheduleId } from '../schedule/schedule-spec.js';
import type {
  BotContext,
  BotEvents,
  BotHistoryPage,
  BotJob,
  BotLimits,
  BotMembersPage,
  BotSendTarget,
  BotTimer,
  CommandMessage,
  CommandSpec,
  HeardMessage,
  SendResult,
} from './bot-context.js';
import type { BotScheduler } from './bot-scheduler.js';
import type { BotStore } from './bot-store.js';
import type { CommandRegistry } from './command-registry.js';
import type { HandlerRunner } from './handler-runner.js';

/** A bot's event handlers by event. */
export type BotHandlers = { [E in keyof BotEvents]: Array<BotEvents[E]> };

/** A `bot.hear` registration. */
export interface BotHear {
  readonly pattern: RegExp;
  readonly handler: (message: HeardMessage) => unknown;
}

/**
 * One bot's scope: what its context registers into. The bot instance owns these collections, dispatches
 * from them and empties them when the bot stops.
 */
export interface BotScope {
  readonly name: string;
  readonly prefix: string;
  readonly log: Logger;
  readonly store: BotStore;
  readonly limits: BotLimits;
  readonly scheduler: BotScheduler;
  readonly registry: CommandRegistry;
  readonly runner: HandlerRunner;
  readonly handlers: BotHandlers;
  readonly hears: BotHear[];
  readonly commands: Map<string, (message: CommandMessage) => unknown>;
  readonly jobs: Set<BotJob>;
  readonly timers: Set<NodeJS.Timeout>;
  /** True once the bot is stopping: a handler still running then must not register anything more. */
  stopped(): boolean;
  send(content: MessageContent, target?: BotSendTarget): Promise<SendResult>;
  history(room: string, options?: { limit?: number; before?: string }): Promise<BotHistoryPage>;
  members(room: string): Promise<BotMembersPage>;
}

// setTimeout's largest delay; longer ones fire at once.

/**
 * The `bot` a plugin's setup gets: every registration lands in `scope`, so that the bot instance can
 * undo all of it at once; jobs, timers and handlers run through the scope's handler runner.
 *
 * @example
 * ```ts
 * const context = createBotContext(scope, validatedSettings);
 * const cleanup = await definition.setup(context);
 * ```
 */
export function createBotContext(scope: BotScope, config: unknown): BotContext<unknown> {
  let jobCount = 0;
  // What a handler still running after stop() registers would outlive the bot (a job firing for ever,
  // an id the next start cannot take again): refused.
  const open = (what: string) => {
    if (scope.stopped()) {
      throw new RelayError(
        'RELAY_ERR_SHUTTING_DOWN',
        `bot "${scope.name}" is stopped: ${what} not registered`,
      );
    }
    // An abandoned handler's later sends are refused; a timer or job it registers would send them anyway.
    if (scope.runner.current()?.signal.aborted) {
      throw new RelayError(
        'RELAY_ERR_BOT_HANDLER_TIMEOUT',
        `an abandoned handler of bot "${scope.name}" tried to register ${what}`,
      );
    }
  };
  return {
    name: scope.name,
    prefix: scope.prefix,
    config,
    log: scope.log,
    store: scope.store,
    limits: scope.limits,
    hear: (pattern, handler) => {
      open('bot.hear');
      scope.hears.push({ pattern: toRegExp(pattern), handler });
    },
    command: (name: string, spec: CommandSpec, handler: (message: CommandMessage) => unknown) => {
      open('bot.command');
      const key = name.toLowerCase();
      if (
        spec.roles !== undefined &&
        (!Array.isArray(spec.roles) ||
          spec.roles.length === 0 ||
          !spec.roles.every((role) => typeof role === 'string' && role !== ''))
      ) {
        throw new RelayError(
          'RELAY_ERR_PLUGIN_LOAD_FAILED',
          `bot "${scope.name}": command "${key}" roles must be a non-empty array of role names`,
        );
      }
      const usage = spec.usage ? ` ${spec.usage}` : '';
      scope.registry.add({
        bot: scope.name,
        name: key,
        description: spec.description,
        ...(spec.usage ? { usage: spec.usage } : {}),
        ...(spec.roles ? { roles: [...spec.roles] } : {}),
        syntax: `${scope.prefix}${key}${usage}`,
      });
      scope.commands.set(
        key,
        spec.roles ? guardRoles(`${scope.prefix}${key}`, spec.roles, handler) : handler,
      );
    },
    on: (event, handler) => {
      open('bot.on');
      (scope.handlers[event] as Array<typeof handler>).push(handler);
    },
    send: (content, target) => scope.send(content, target),
    history: (room, historyOptions) => scope.history(room, historyOptions),
    members: (room) => scope.members(room),
    every: (cron, handler, jobOptions) => {
      open('bot.every');
      jobCount += 1;
      const id = `${scope.name}:${jobOptions?.name ?? `job-${jobCount}`}`;
      // The relay's rules for a job id, checked here whatever scheduler runs it (the testbed's too).
      const named = `bot "${scope.name}": bot.every job "${id}"`;
      if (!isScheduleId(id)) {
        throw new RelayError(
          'RELAY_ERR_PLUGIN_LOAD_FAILED',
          `${named}: its id must be 1 to 64 letters, digits, "-", "_", "." or ":"; choose another name`,
        );
      }
      if ([...scope.jobs].some((job) => job.id === id)) {
        throw new RelayError('RELAY_ERR_PLUGIN_LOAD_FAILED', `${named} is declared twice; name each job`);
      }
      const scheduled = scope.scheduler.schedule(id, cron, () =>
        scope.runner.run(`every ${id}`, () => handler()),
      );
      const job: BotJob = {
        id,
        cron,
        stop: () => {
          scheduled.stop();
          scope.jobs.delete(job);
        },
      };
      scope.jobs.add(job);
      return job;
    },
    later: (ms, handler) => {
      if (!Number.isFinite(ms) || ms < 0 || ms > MAX_TIMER_MS) {
        throw new RangeError(`bot.later: ${ms} ms is not between 0 and ${MAX_TIMER_MS}`);
      }
      open('bot.later');
      // The message being answered, if any, is what the callback's sends answer too: without it, two
      // bots replying to each other through bot.later would never reach the hop limit.
      const cause = scope.runner.current()?.cause;
      const timer = setTimeout(() => {
        scope.timers.delete(timer);
        void scope.runner.run('later', () => handler(), cause);
      }, ms);
      scope.timers.add(timer);
      return {
        cancel: () => {
          clearTimeout(timer);
          scope.timers.delete(timer);
        },
      } satisfies BotTimer;
    },
    commands: () => scope.registry.list(),
  };
}

// A command for some roles only: others are told which ones, privately (the room need not hear it),
// and the handler never sees them.
function guardRoles(
  syntax: string,
  roles: readonly string[],
  handler: (message: CommandMessage) => unknown,
): (message: CommandMessage) => unknown {
  return (message) => {
    const held = message.from.roles ?? [];
    if (roles.some((role) => held.includes(role))) return handler(message);
    return message.replyPrivately(
      `${message.from.name}: ${syntax} is only for ${roles.join(', ')} (your roles: ${held.join(', ') || 'none'})`,
    );
  };
}

function toRegExp(pattern: string | RegExp): RegExp {
  if (pattern instanceof RegExp) return pattern;
  const escaped = pattern.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?:^|\\b|\\s)${escaped}(?:$|\\b|\\s)`, 'i');
}

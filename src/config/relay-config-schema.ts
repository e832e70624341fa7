import { z } from 'zod';
import { BOT_SETTING_DEFAULTS } from '../bots/bot-settings.js';
import { DEFAULT_MAX_CONTENT_BYTES } from '../relay/validate-content.js';
import type { ScheduleSpec } from '../schedule/schedule-spec.js';
import { DEFAULT_MAX_JOBS } from '../schedule/schedule-types.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;

// The scheduler's defaults: where its store lives, how late a missed slot may still run (5 minutes) and
// how many jobs the API may add.
const SCHEDULER_DEFAULTS = {
  store: '.relaykit/schedules.db',
  missedRunGraceMs: 300_000,
  maxJobs: DEFAULT_MAX_JOBS,
};

// Incoming webhooks' defaults (see docs/hooks.md): a webhook body may be large (an Alertmanager group).
const HOOKS_DEFAULTS = {
  store: '.relaykit/hooks.db',
  bodyLimitBytes: 1_048_576,
  rateLimit: { burst: 30, perSecond: 2 },
  replayWindowMs: 86_400_000,
};

// Outgoing webhooks' defaults: their queue's file, each attempt's limits, retries (1 s doubling up to
// 5 minutes, 8 attempts: about 10 minutes of retries) and how much one endpoint may hold.
const WEBHOOK_DEFAULTS = {
  store: '.relaykit/webhooks.db',
  allowPrivateNetworks: false,
  timeoutMs: 5000,
  maxAttempts: 8,
  retryBaseMs: 1000,
  retryMaxMs: 300_000,
  concurrency: 4,
  maxResponseBytes: 65_536,
  maxQueued: 10_000,
  maxEndpoints: 100,
  endpoints: [] as unknown[],
};

// The history's defaults: where it is kept and how much of it (see docs/history.md).
const HISTORY_DEFAULTS = {
  store: '.relaykit/history.db',
  maxMessagesPerRoom: 1000,
  maxAgeMs: 2_592_000_000,
};

// The HTTP API's defaults, used twice: by each key and by the `api` object when it is absent.
const API_DEFAULTS = {
  bodyLimitBytes: 524_288,
  maxBatch: 100,
  rateLimit: { burst: 20, perSecond: 5 },
  idempotencyWindowMs: 3_600_000,
  idempotencyMaxEntries: 10_000,
};

/**
 * Every setting of a relay, with its default. Unknown keys are refused so that a typo in a config file
 * is an error naming the key, not a silently ignored setting.
 */
export const relayConfigSchema = z
  .object({
    /** TCP port; 0 picks a free one (tests). */
    port: z.int().min(0).max(65_535).default(3000).describe('TCP port; 0 picks a free one'),
    /** Interface to listen on; all interfaces when unset. */
    host: z.string().min(1).optional().describe('interface to listen on (default: all interfaces)'),
    /** Where a user's `sendMessage` goes: everyone in the sender's room, the sender only, or all but the sender. */
    routing: z
      .enum(['all', 'echo', 'others'])
      .default('all')
      .describe(
        "where a user's message goes: its whole room, back to the sender only, or the room but the sender",
      ),
    /** Who gets the greeting when a socket connects: the new socket, its whole room, the room but it, or nobody. */
    greeting: z
      .enum(['self', 'all', 'others', 'none'])
      .default('self')
      .describe(
        'who is greeted when a socket connects: the new socket, its room, its room but it, or nobody',
      ),
    greetingText: z.string().min(1).max(4096).default('New user connected').describe('text of the greeting'),
    /**
     * Browser origins allowed to connect. Empty: same-origin pages and pages served from loopback
     * (localhost, 127.0.0.1, [::1]) on any port. `["*"]`: any origin. Clients that send no Origin header
     * (native apps, Node, curl) are always allowed: origin checks only protect browsers.
     */
    origins: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'browser origins allowed to connect (comma-separated; * for any; empty: same origin and loopback)',
      ),
    /**
     * Host names the relay answers (its `Host` header, port ignored), against DNS rebinding: a page on
     * another name that resolves to the relay is refused. Always allowed: IP addresses, `localhost` and
     * `*.localhost`, the hosts of `origins` and the `host` setting. An entry `.example.com` allows the
     * domain and its subdomains; `*` (or `all`) allows any name, which is unsafe.
     */
    allowedHosts: z
      .array(
        z
          .string()
          .regex(
            /^(?:\*|all|(?:\*?\.)?[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.?|\[[0-9a-f:.]+\]|[0-9a-f.]*:[0-9a-f.]*:[0-9a-f:.]*)$/i,
            'a host name such as chat.example.com, or .example.com for a domain and its subdomains, without scheme or port; * for any',
          ),
      )
      .default([])
      .describe(
        'host names the relay answers besides IP addresses, localhost and the hosts of origins (comma-separated; .example.com: domain and subdomains; * for any: unsafe)',
      ),
    /** Largest accepted content, in UTF-8 bytes (objects: their JSON text). */
    maxContentBytes: z
      .int()
      .min(1)
      .max(1_048_576)
      .default(DEFAULT_MAX_CONTENT_BYTES)
      .describe('largest message content, in UTF-8 bytes'),
    /** socket.io's `maxHttpBufferSize`: largest packet before the connection is dropped. */
    maxHttpBufferSize: z
      .int()
      .min(1024)
      .max(16_777_216)
      .default(65_536)
      .describe("socket.io's maxHttpBufferSize: largest packet before the connection is dropped"),
    /**
     * Scheduled announcements (config file only: `readonly` keeps it out of the flags and environment
     * variables); see docs/schedules.md. Each job is checked once, by parseRelayConfig, against the
     * relay's limits.
     */
    schedules: z.array(z.unknown()).readonly().default([]),
    /** Where runtime jobs and last runs are kept, and what happens to slots missed while the relay was down. */
    scheduler: z
      .object({
        store: z
          .string()
          .min(1)
          .default(SCHEDULER_DEFAULTS.store)
          .describe(
            'SQLite file of runtime jobs and last runs, relative to the working directory; :memory: keeps nothing',
          ),
        missedRunGraceMs: z
          .int()
          .min(0)
          .max(3_600_000)
          .default(SCHEDULER_DEFAULTS.missedRunGraceMs)
          .describe(
            'a job slot missed while the relay was down runs once at start if at most this old (ms); 0: skip',
          ),
        maxJobs: z
          .int()
          .min(1)
          .max(100_000)
          .default(SCHEDULER_DEFAULTS.maxJobs)
          .describe(
            'most jobs added over the HTTP API (kept in the store) at once; config-file and bot jobs do not count',
          ),
      })
      .strict()
      .default(SCHEDULER_DEFAULTS),
    /**
     * The message history (docs/history.md): every accepted message is kept before it is delivered and
     * acknowledged, and read back over sockets, HTTP and Server-Sent Events; `false` turns it off.
     */
    history: z
      .union([
        z.literal(false),
        z
          .object({
            store: z
              .string()
              .min(1)
              .default(HISTORY_DEFAULTS.store)
              .describe(
                'SQLite file of the message history, relative to the working directory; :memory: keeps nothing',
              ),
            maxMessagesPerRoom: z
              .int()
              .min(1)
              .max(1_000_000)
              .default(HISTORY_DEFAULTS.maxMessagesPerRoom)
              .describe('newest messages kept per room (relay-wide announcements count as one room)'),
            maxAgeMs: z
              .int()
              .min(1000)
              .default(HISTORY_DEFAULTS.maxAgeMs)
              .describe('how long a message is kept (ms); default 30 days'),
          })
          .strict(),
      ])
      .default(HISTORY_DEFAULTS),
    /** Per-socket token bucket for client events; `false` turns it off. */
    rateLimit: z
      .union([
        z.literal(false),
        z
          .object({
            burst: z.int().min(1).default(20).describe('events a socket may send at once'),
            perSecond: z
              .number()
              .positive()
              .default(10)
              .describe('events a second a socket may send in the long run'),
          })
          .strict(),
      ])
      .default({ burst: 20, perSecond: 10 }),
    /** How long a dropped client may come back and get what it missed (ms); 0 turns recovery off. */
    recoveryWindowMs: z
      .int()
      .min(0)
      .default(120_000)
      .describe('how long a dropped client can come back and get what it missed (ms); 0: off'),
    /** How long `close()` waits for clients to drain before cutting connections (ms). */
    shutdownTimeoutMs: z
      .int()
      .min(0)
      .default(10_000)
      .describe('how long close() lets clients drain before cutting connections (ms)'),
    /**
     * How long `relay serve` answers `/readyz` with 503 after SIGTERM before it closes, so that a load
     * balancer (Kubernetes' endpoints) stops sending new clients first. Ctrl-C (SIGINT) closes at once.
     */
    drainDelayMs: z
      .int()
      .min(0)
      .max(600_000)
      .default(5000)
      .describe('after SIGTERM, how long /readyz answers 503 before the relay closes (ms); 0: close at once'),
    /** Redis shared by the nodes of a cluster (socket.io's Redis Streams adapter); unset: one node, in memory. */
    redisUrl: z
      .string()
      .regex(/^rediss?:\/\/\S+$/, 'a redis:// or rediss:// URL')
      .optional()
      .describe('Redis URL (redis://host:port) shared by the nodes of a cluster; unset: a single node'),
    /** Bytes a socket may have waiting to be written before it is disconnected as a slow consumer. */
    maxBufferedBytes: z
      .int()
      .min(0)
      .default(1_048_576)
      .describe(
        'bytes waiting to be sent to one socket before it is cut as a slow consumer (it may reconnect); 0: off',
      ),
    /** How often sockets' write buffers are measured (ms). */
    bufferCheckIntervalMs: z
      .int()
      .min(10)
      .max(60_000)
      .default(1000)
      .describe("how often sockets' write buffers are measured against maxBufferedBytes (ms)"),
    logLevel: z.enum(LOG_LEVELS).default('info').describe('log level'),
    /** `pretty`: coloured lines with local times, for people; `json`: one object a line, for log shippers. */
    logFormat: z
      .enum(LOG_FORMATS)
      .default('auto')
      .describe(
        'log lines: pretty (for a terminal) or json (one object a line); auto: pretty when stdout is a terminal',
      ),
    /** Serve the chat page (`public/`) at `/`; turn off when embedding in an app that serves its own `/`. */
    webPage: z.boolean().default(true).describe('serve the chat page at / (public/index.html)'),
    /** Folder of bot plugins to load; `relay serve` loads `./plugins` when unset, `createRelayServer` none. */
    plugins: z
      .string()
      .min(1)
      .optional()
      .describe('folder of bot plugins (.ts/.js) to run in the relay (relay serve default: ./plugins)'),
    /** Shared secret bots authenticate with (`auth.botToken`); generated at start-up when unset. */
    botToken: z
      .string()
      .min(16)
      .optional()
      .describe('secret bots connect with (at least 16 characters; default: random at each start)'),
    /** Bot hops a message may be from a person before the relay drops it: two bots cannot talk forever. */
    maxBotHops: z
      .int()
      .min(1)
      .max(20)
      .default(3)
      .describe('how many bots may answer each other in a row before the relay drops the chain'),
    /** Per-bot token bucket for what a bot sends; `false` turns it off. */
    botRateLimit: z
      .union([
        z.literal(false),
        z
          .object({
            burst: z.int().min(1).default(10).describe('messages a bot may send at once'),
            perSecond: z
              .number()
              .positive()
              .default(5)
              .describe('messages a second a bot may send in the long run'),
          })
          .strict(),
      ])
      .default(BOT_SETTING_DEFAULTS.botRateLimit),
    /** What starts a bot command in a message, e.g. `!` in `!ping`. */
    commandPrefix: z
      .string()
      .min(1)
      .max(8)
      .regex(/^\S+$/, 'no spaces')
      .default(BOT_SETTING_DEFAULTS.commandPrefix)
      .describe('what starts a bot command (e.g. ! in !ping)'),
    /** How long a bot handler may run before it is abandoned and logged (ms). */
    botHandlerTimeoutMs: z
      .int()
      .min(1)
      .default(BOT_SETTING_DEFAULTS.botHandlerTimeoutMs)
      .describe('how long a bot handler may run before it is abandoned and logged (ms)'),
    /** Where bots' key-value stores are kept (one JSON file per bot), relative to the working directory. */
    botStoreDir: z
      .string()
      .min(1)
      .default(BOT_SETTING_DEFAULTS.botStoreDir)
      .describe("folder of the bots' key-value stores (one JSON file per bot)"),
    /** Each bot's own settings by bot name, validated by the schema the plugin declares. */
    bots: z
      .record(z.string(), z.record(z.string(), z.unknown()))
      .default({})
      .describe("each bot's own settings, by bot name (config file only)"),
    /** Outgoing webhooks (see docs/webhooks.md): endpoints, their delivery queue, retries and limits. */
    webhooks: z
      .object({
        store: z
          .string()
          .min(1)
          .default(WEBHOOK_DEFAULTS.store)
          .describe(
            'SQLite file of webhook endpoints added over the API and of the delivery queue; :memory: keeps nothing',
          ),
        allowPrivateNetworks: z
          .boolean()
          .default(WEBHOOK_DEFAULTS.allowPrivateNetworks)
          .describe(
            'let webhooks call private, loopback and link-local addresses (off: refused, against SSRF)',
          ),
        timeoutMs: z
          .int()
          .min(100)
          .max(60_000)
          .default(WEBHOOK_DEFAULTS.timeoutMs)
          .describe('how long one webhook attempt may take, answer included, before it is retried (ms)'),
        maxAttempts: z
          .int()
          .min(1)
          .max(50)
          .default(WEBHOOK_DEFAULTS.maxAttempts)
          .describe('attempts of a webhook delivery before it is dead-lettered'),
        retryBaseMs: z
          .int()
          .min(1)
          .max(3_600_000)
          .default(WEBHOOK_DEFAULTS.retryBaseMs)
          .describe('wait before the first retry (ms); it doubles at each retry, with jitter'),
        retryMaxMs: z
          .int()
          .min(1)
          .max(86_400_000)
          .default(WEBHOOK_DEFAULTS.retryMaxMs)
          .describe('longest wait between two attempts of a webhook delivery (ms)'),
        concurrency: z
          .int()
          .min(1)
          .max(100)
          .default(WEBHOOK_DEFAULTS.concurrency)
          .describe('webhook attempts in flight at once per endpoint; the rest wait in the queue'),
        maxResponseBytes: z
          .int()
          .min(1024)
          .max(1_048_576)
          .default(WEBHOOK_DEFAULTS.maxResponseBytes)
          .describe('largest webhook answer read, in bytes; a larger one is cut off and ignored'),
        maxQueued: z
          .int()
          .min(1)
          .max(1_000_000)
          .default(WEBHOOK_DEFAULTS.maxQueued)
          .describe(
            'most deliveries queued per webhook endpoint; past it new messages for it are dropped and counted',
          ),
        maxEndpoints: z
          .int()
          .min(1)
          .max(10_000)
          .default(WEBHOOK_DEFAULTS.maxEndpoints)
          .describe(
            'most webhook endpoints, config file and API together; past it RELAY_ERR_TOO_MANY_WEBHOOKS',
          ),
        /** Endpoints from the config file (`{ id, name?, url, rooms, trigger, secret }`); config file only. */
        endpoints: z.array(z.unknown()).readonly().default([]),
      })
      .strict()
      .default(WEBHOOK_DEFAULTS),
    /**
     * The HTTP API (`/v1`, see src/http/openapi.yaml). Without tokens the relay makes a random `admin`
     * token at start-up and logs it once at warn level: no configuration never means an open API.
     */
    api: z
      .object({
        /** Bearer tokens: `name:secret:scope+scope` strings (the env form) or `{ name, secret, scopes }`. */
        tokens: z
          .array(
            z.union([
              z.string().min(1),
              z.object({ name: z.string(), secret: z.string(), scopes: z.array(z.string()).min(1) }).strict(),
            ]),
          )
          .default([])
          .describe(
            'HTTP API bearer tokens, name:secret:scope+scope, comma-separated (scopes: publish, admin); none: an admin token is generated and logged at start-up',
          ),
        bodyLimitBytes: z
          .int()
          .min(1024)
          .max(16_777_216)
          .default(API_DEFAULTS.bodyLimitBytes)
          .describe('largest HTTP API request body, in bytes'),
        maxBatch: z
          .int()
          .min(1)
          .max(1000)
          .default(API_DEFAULTS.maxBatch)
          .describe('most messages in one POST /v1/messages/batch'),
        /** Per-token token bucket for API requests (a batch is one request); `false` turns it off. */
        rateLimit: z
          .union([
            z.literal(false),
            z
              .object({
                burst: z
                  .int()
                  .min(1)
                  .default(API_DEFAULTS.rateLimit.burst)
                  .describe('HTTP API requests a token may make at once'),
                perSecond: z
                  .number()
                  .positive()
                  .default(API_DEFAULTS.rateLimit.perSecond)
                  .describe('HTTP API requests a second a token may make in the long run'),
              })
              .strict(),
          ])
          .default(API_DEFAULTS.rateLimit),
        idempotencyWindowMs: z
          .int()
          .min(1000)
          .default(API_DEFAULTS.idempotencyWindowMs)
          .describe('how long the answer to a request with an Idempotency-Key is kept for its retries (ms)'),
        idempotencyMaxEntries: z
          .int()
          .min(1)
          .default(API_DEFAULTS.idempotencyMaxEntries)
          .describe('most Idempotency-Keys remembered at once; the oldest are forgotten first'),
      })
      .strict()
      .default({ tokens: [], ...API_DEFAULTS }),
    /** Incoming webhooks (`POST /hooks/{key}`): where hooks are kept and what one delivery may cost. */
    hooks: z
      .object({
        store: z
          .string()
          .min(1)
          .default(HOOKS_DEFAULTS.store)
          .describe(
            'SQLite file of the hooks added over the HTTP API, relative to the working directory; :memory: keeps nothing',
          ),
        bodyLimitBytes: z
          .int()
          .min(1024)
          .max(16_777_216)
          .default(HOOKS_DEFAULTS.bodyLimitBytes)
          .describe('largest webhook delivery body, in bytes'),
        /** Per-hook token bucket for deliveries; `false` turns it off. */
        rateLimit: z
          .union([
            z.literal(false),
            z
              .object({
                burst: z
                  .int()
                  .min(1)
                  .default(HOOKS_DEFAULTS.rateLimit.burst)
                  .describe('webhook deliveries a hook may take at once'),
                perSecond: z
                  .number()
                  .positive()
                  .default(HOOKS_DEFAULTS.rateLimit.perSecond)
                  .describe('webhook deliveries a second a hook may take in the long run'),
              })
              .strict(),
          ])
          .default(HOOKS_DEFAULTS.rateLimit),
        replayWindowMs: z
          .int()
          .min(1000)
          .default(HOOKS_DEFAULTS.replayWindowMs)
          .describe(
            'how long a delivery id (GitHub X-GitHub-Delivery) is remembered to refuse its replay (ms)',
          ),
        /** Hooks of the config file (config file only: `readonly` keeps it out of flags); see docs/hooks.md. */
        declared: z.array(z.unknown()).readonly().default([]),
      })
      .strict()
      .default({ ...HOOKS_DEFAULTS, declared: [] }),
  })
  .strict();

/** A relay's settings as given: every key optional. */
export type RelayConfigInput = z.input<typeof relayConfigSchema>;

/** A relay's settings after validation, defaults filled in. */
export type RelayConfig = Omit<z.output<typeof relayConfigSchema>, 'schedules'> & {
  /** The config file's jobs, checked (see checkDeclaredSchedules). */
  readonly schedules: readonly ScheduleSpec[];
};

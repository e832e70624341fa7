import { z } from 'zod';
import { BOT_RATE_LIMIT_DEFAULT, BOT_SETTING_DEFAULTS } from '../bots/bot-settings.js';
import { ADDRESS_LIMIT_DEFAULTS } from '../relay/address-limit.js';
import { DEFAULT_MAX_CONTENT_BYTES } from '../relay/validate-content.js';
import { MAX_TIMER_MS } from '../relay/with-deadline.js';
import type { ScheduleSpec } from '../schedule/schedule-spec.js';
import { apiSettingSchema } from './api-settings-schema.js';
import { authSettingSchema } from './auth-settings-schema.js';
import { rateLimitSchema } from './rate-limit-schema.js';
import { historySettingSchema, schedulerSettingSchema } from './store-settings-schemas.js';
import { hooksSettingSchema, webhooksSettingSchema } from './webhook-settings-schemas.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;

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
    /**
     * Take the host and scheme a browser used from the reverse proxy's `X-Forwarded-Host` and
     * `X-Forwarded-Proto` (their last value) instead of `Host`: for the `allowedHosts` and same-origin
     * checks and the URLs the relay hands out, which also get the path of `X-Forwarded-Prefix`. Only for a relay that nothing but the proxy can reach, and
     * a proxy that sets both headers: anyone else can send them too.
     */
    trustProxy: z
      .boolean()
      .default(false)
      .describe(
        "take the host, scheme and client address from a reverse proxy's X-Forwarded-Host/-Proto/-For (only when nothing but the proxy reaches the relay)",
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
    scheduler: schedulerSettingSchema,
    /**
     * The message history (docs/history.md): every accepted message is kept before it is delivered and
     * acknowledged, and read back over sockets, HTTP and Server-Sent Events; `false` turns it off.
     */
    history: historySettingSchema,
    /** Per-socket token bucket for client events; `false` turns it off. */
    rateLimit: rateLimitSchema(
      { burst: 20, perSecond: 10 },
      {
        burst: 'events a socket may send at once',
        perSecond: 'events a second a socket may send in the long run',
      },
    ),
    /**
     * What one client address may open (see AddressLimit): handshakes, a token bucket, and connections
     * open at once. Loopback addresses are not limited; `false` turns it off.
     */
    addressLimit: z
      .union([
        z.literal(false),
        z
          .object({
            burst: z
              .int()
              .min(1)
              .default(ADDRESS_LIMIT_DEFAULTS.burst)
              .describe('socket handshakes one client address may make at once'),
            perSecond: z
              .number()
              .positive()
              .default(ADDRESS_LIMIT_DEFAULTS.perSecond)
              .describe('socket handshakes a second one client address may make in the long run'),
            maxConnections: z
              .int()
              .min(1)
              .default(ADDRESS_LIMIT_DEFAULTS.maxConnections)
              .describe('socket connections one client address may keep open at once'),
          })
          .strict(),
      ])
      .default({ ...ADDRESS_LIMIT_DEFAULTS }),
    /** How long a dropped client may come back and get what it missed (ms); 0 turns recovery off. */
    recoveryWindowMs: z
      .int()
      .min(0)
      // Past this a timer fires at once (Node's limit): socket.io's clean-up would loop every 1 ms.
      .max(MAX_TIMER_MS)
      .default(120_000)
      .describe('how long a dropped client can come back and get what it missed (ms); 0: off'),
    /** How long `close()` waits for clients to drain before cutting connections (ms). */
    shutdownTimeoutMs: z
      .int()
      .min(0)
      .max(MAX_TIMER_MS)
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
    /** How people prove who they are: anonymous, or signed tokens (see docs/identity.md). */
    auth: authSettingSchema,
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
    botRateLimit: rateLimitSchema(BOT_RATE_LIMIT_DEFAULT, {
      burst: 'messages a bot may send at once',
      perSecond: 'messages a second a bot may send in the long run',
    }),
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
      // Node's timers: a longer delay is taken as 1 ms, which would abandon every handler at once.
      .max(MAX_TIMER_MS)
      .default(BOT_SETTING_DEFAULTS.botHandlerTimeoutMs)
      .describe('how long a bot handler may run before it is abandoned and logged (ms)'),
    /** How long a plugin's setup may take before its bot fails to start (ms). */
    botSetupTimeoutMs: z
      .int()
      .min(1)
      .max(MAX_TIMER_MS)
      .default(BOT_SETTING_DEFAULTS.botSetupTimeoutMs)
      .describe("how long a plugin's setup may take before its bot fails to start (ms)"),
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
    webhooks: webhooksSettingSchema,
    /**
     * The HTTP API (`/v1`, see src/http/openapi.yaml). Without tokens the relay makes a random `admin`
     * token at start-up and logs it once at warn level: no configuration never means an open API.
     */
    api: apiSettingSchema,
    /** Incoming webhooks (`POST /hooks/{key}`): where hooks are kept and what one delivery may cost. */
    hooks: hooksSettingSchema,
  })
  .strict();

/** A relay's settings as given: every key optional. */
export type RelayConfigInput = z.input<typeof relayConfigSchema>;

/** A relay's settings after validation, defaults filled in. */
export type RelayConfig = Omit<z.output<typeof relayConfigSchema>, 'schedules'> & {
  /** The config file's jobs, checked (see checkDeclaredSchedules). */
  readonly schedules: readonly ScheduleSpec[];
};

/**
 * The one table of RelayKit's errors. Codes are stable: clients, logs, acks and HTTP problems use them.
 * Each entry has the HTTP status that applies where there is one, a title, and how to fix it.
 * docs/errors.md's table is checked against this one by a test.
 */
export const RELAY_ERRORS = {
  RELAY_ERR_INVALID_CONTENT: {
    status: 400,
    title: 'Invalid content',
    fix: 'send a non-empty string or a plain JSON object (no numbers, arrays, binary or null at the top level)',
  },
  RELAY_ERR_CONTENT_TOO_LARGE: {
    status: 413,
    title: 'Content too large',
    fix: 'send at most maxContentBytes bytes of content (RELAY_MAX_CONTENT_BYTES raises the limit)',
  },
  RELAY_ERR_RATE_LIMITED: {
    status: 429,
    title: 'Rate limited',
    fix: 'slow down; the limit refills over time (rateLimit sets it for sockets, api.rateLimit for API tokens, hooks.rateLimit for hooks, addressLimit for handshakes from one address)',
  },
  RELAY_ERR_TOO_MANY_STREAMS: {
    status: 429,
    title: 'Too many event streams',
    fix: "close one of the token's event streams first: a token holds at most 32 at once on one relay (give each reader its own token)",
  },
  RELAY_ERR_TOO_MANY_CONNECTIONS: {
    status: 429,
    title: 'Too many connections',
    fix: 'close some of the connections this address has open; behind a proxy, set trustProxy so each client is counted on its own (addressLimit.maxConnections sets the limit)',
  },
  RELAY_ERR_FLOODING: {
    status: 429,
    title: 'Flooding',
    fix: 'the client was disconnected for sending refused events too fast; wait for answers and honour RELAY_ERR_RATE_LIMITED, then reconnect',
  },
  RELAY_ERR_UNKNOWN_EVENT: {
    status: 400,
    title: 'Unknown event',
    fix: 'emit one of sendMessage, join, leave, history or members (bots also botMessage)',
  },
  RELAY_ERR_TOO_MANY_ARGUMENTS: {
    status: 400,
    title: 'Too many arguments',
    fix: 'emit an event with its arguments only, at most 8 besides the ack: sendMessage(content), join(room), history(request) (docs/wire-contract.md)',
  },
  RELAY_ERR_INVALID_ROOM: {
    status: 400,
    title: 'Invalid room name',
    fix: 'use 1 to 64 characters among letters, digits, "-", "_" and "."',
  },
  RELAY_ERR_INVALID_NAME: {
    status: 400,
    title: 'Invalid display name',
    fix: 'use a display name of 1 to 40 printable characters',
  },
  RELAY_ERR_FORBIDDEN: {
    status: 403,
    title: 'Forbidden',
    fix: 'this action needs a bot connection, an API token with the right scope, or (jwt auth mode) a token whose rooms claim grants the room',
  },
  RELAY_ERR_ORIGIN_NOT_ALLOWED: {
    status: 403,
    title: 'Origin not allowed',
    fix: 'add the page origin to the origins setting (--origins or RELAY_ORIGINS)',
  },
  RELAY_ERR_UNSUPPORTED_CLIENT: {
    status: 400,
    title: 'Unsupported client',
    fix: 'the client speaks engine.io protocol 3 (socket.io 2.x): upgrade it to socket.io-client 3 or 4, or python-socketio 5 (docs/wire-contract.md lists clients)',
  },
  RELAY_ERR_HOST_NOT_ALLOWED: {
    status: 403,
    title: 'Host not allowed',
    fix: 'reach the relay by a name it is meant to answer: add that name to the allowedHosts setting (--allowed-hosts or RELAY_ALLOWED_HOSTS)',
  },
  RELAY_ERR_LOOP_DETECTED: {
    status: 508,
    title: 'Bot loop detected',
    fix: 'bots answered each other too many times in a row; make the bot ignore bot messages',
  },
  RELAY_ERR_SHUTTING_DOWN: {
    status: 503,
    title: 'Shutting down',
    fix: 'the relay is closing; reconnect to another node or retry shortly',
  },
  RELAY_ERR_NOT_READY: {
    status: 503,
    title: 'Not ready',
    fix: 'the relay is draining before it closes, or something it needs (its Redis) is unreachable and it reconnects by itself: use another node or retry shortly',
  },
  RELAY_ERR_INVALID_SCHEDULE: {
    status: 400,
    title: 'Invalid schedule',
    fix: 'give an id, a cron expression of 5 or 6 fields, an IANA time zone and string or object content',
  },
  RELAY_ERR_SCHEDULE_NOT_FOUND: {
    status: 404,
    title: 'Schedule not found',
    fix: 'list the jobs with GET /v1/schedules (relay schedule list) and use one of their ids',
  },
  RELAY_ERR_SCHEDULE_EXISTS: {
    status: 409,
    title: 'Schedule exists',
    fix: 'pick another id, or delete the existing job first',
  },
  RELAY_ERR_SCHEDULE_READ_ONLY: {
    status: 409,
    title: 'Schedule is read-only',
    fix: 'jobs declared in the config file or by a bot change there, not over the API',
  },
  RELAY_ERR_SCHEDULE_BUSY: {
    status: 409,
    title: 'Schedule is running',
    fix: 'the job is running now and runs never overlap; retry when it has finished',
  },
  RELAY_ERR_SCHEDULE_RUN_FAILED: {
    status: 500,
    title: 'Scheduled run failed',
    fix: "the job's handler threw or rejected; the log line names the job and the error",
  },
  RELAY_ERR_SCHEDULE_BROKEN: {
    status: 409,
    title: 'Schedule is broken',
    fix: 'the stored job cannot be scheduled (its `broken` field in GET /v1/schedules says why); delete it and add it again, corrected',
  },
  RELAY_ERR_TOO_MANY_SCHEDULES: {
    status: 409,
    title: 'Too many schedules',
    fix: 'delete jobs you no longer need (DELETE /v1/schedules/{id}), or raise scheduler.maxJobs (RELAY_SCHEDULER_MAX_JOBS)',
  },
  RELAY_ERR_STORE_UNAVAILABLE: {
    status: 503,
    title: 'Store unavailable',
    fix: 'the scheduler.store or history.store file was deleted, replaced or made read-only while the relay ran (or its disk is full): make it writable again, or restart the relay to open the file afresh; with the history in Redis, Redis is full (maxmemory): free memory there or raise maxmemory',
  },
  RELAY_ERR_HISTORY_STORE: {
    status: 500,
    title: 'History store failed',
    fix: 'the history.store file (RELAY_HISTORY_STORE) could not be opened or is not a RelayKit history database: the message names the file; move it aside or point history.store elsewhere',
  },
  RELAY_ERR_HISTORY_OFF: {
    status: 404,
    title: 'History off',
    fix: 'this relay keeps no history (history: false); turn it on to read or redact messages',
  },
  RELAY_ERR_INVALID_CURSOR: {
    status: 400,
    title: 'Invalid cursor',
    fix: 'pass as before or after (or Last-Event-ID) the meta.id of a message, and only one of them',
  },
  RELAY_ERR_MESSAGE_NOT_FOUND: {
    status: 404,
    title: 'Message not found',
    fix: 'the message was never kept, was redacted, or is past the history retention (history.maxMessagesPerRoom, history.maxAgeMs)',
  },
  RELAY_ERR_SCHEDULE_STORE: {
    status: 500,
    title: 'Schedule store failed',
    fix: 'check that scheduler.store names a writable file (RELAY_SCHEDULER_STORE); the log line says more',
  },
  RELAY_ERR_INVALID_WEBHOOK: {
    status: 400,
    title: 'Invalid webhook',
    fix: 'give an http(s) url, 1 to 100 rooms and a trigger: { prefix }, { words }, { regex } (no nested quantifiers) or { all: true }',
  },
  RELAY_ERR_WEBHOOK_NOT_FOUND: {
    status: 404,
    title: 'Webhook not found',
    fix: 'list the endpoints with GET /v1/webhooks (relay webhooks list) and use one of their ids',
  },
  RELAY_ERR_WEBHOOK_READ_ONLY: {
    status: 409,
    title: 'Webhook is read-only',
    fix: 'endpoints declared in the config file change there, not over the API',
  },
  RELAY_ERR_TOO_MANY_WEBHOOKS: {
    status: 409,
    title: 'Too many webhooks',
    fix: 'delete endpoints you no longer need (DELETE /v1/webhooks/{id}), or raise webhooks.maxEndpoints (RELAY_WEBHOOKS_MAX_ENDPOINTS)',
  },
  RELAY_ERR_WEBHOOK_DESTINATION_REFUSED: {
    status: 422,
    title: 'Webhook destination refused',
    fix: 'the URL is on a private, loopback or link-local network; use a public address, or set webhooks.allowPrivateNetworks (RELAY_WEBHOOKS_ALLOW_PRIVATE_NETWORKS=true) if the relay may call it',
  },
  RELAY_ERR_WEBHOOK_STORE: {
    status: 500,
    title: 'Webhook store failed',
    fix: 'check that webhooks.store names a writable file (RELAY_WEBHOOKS_STORE); the log line says more',
  },
  RELAY_ERR_CONFIG_INVALID: {
    status: 500,
    title: 'Invalid configuration',
    fix: 'correct what the message names: a setting (in the config file, environment or flags) or the config file',
  },
  RELAY_ERR_PORT_IN_USE: {
    status: 500,
    title: 'Port in use',
    fix: 'pass --port or set PORT to a free port',
  },
  RELAY_ERR_INVALID_REQUEST: {
    status: 400,
    title: 'Invalid request',
    fix: 'correct the field the problem names (its `field` member); the API spec is served at /openapi.json',
  },
  RELAY_ERR_MALFORMED_JSON: {
    status: 400,
    title: 'Malformed JSON',
    fix: 'send a body that is valid JSON',
  },
  RELAY_ERR_UNAUTHORIZED: {
    status: 401,
    title: 'Unauthorized',
    fix: 'send "Authorization: Bearer <secret>" with a token of api.tokens (RELAY_API_TOKENS)',
  },
  RELAY_ERR_NOT_FOUND: {
    status: 404,
    title: 'Not found',
    fix: 'check the method and path against the API spec served at /openapi.json',
  },
  RELAY_ERR_BODY_TOO_LARGE: {
    status: 413,
    title: 'Request body too large',
    fix: 'send at most api.bodyLimitBytes bytes (RELAY_API_BODY_LIMIT_BYTES raises it), or split the batch',
  },
  RELAY_ERR_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: 'Unsupported media type',
    fix: 'send the body as UTF-8 JSON with "Content-Type: application/json"',
  },
  RELAY_ERR_IDEMPOTENCY_KEY_IN_FLIGHT: {
    status: 409,
    title: 'Idempotency key in flight',
    fix: 'another node still runs the request with this Idempotency-Key: retry with the same key later (Retry-After) to get its answer',
  },
  RELAY_ERR_IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    title: 'Idempotency key reused',
    fix: 'an Idempotency-Key names one request; use a new key for a different request',
  },
  RELAY_ERR_BOT_AUTH_FAILED: {
    status: 401,
    title: 'Bot authentication failed',
    fix: "connect bots with the relay's bot token (botToken setting, RELAY_BOT_TOKEN, relay bots --token)",
  },
  RELAY_ERR_INVALID_OPTIONS: {
    status: 400,
    title: 'Invalid options',
    fix: 'pass botMessage options as { room?, causedBy?, hops? } and history options as { room?, before?, after?, limit? }: a valid room, a message id, a whole number in range',
  },
  RELAY_ERR_PLUGIN_LOAD_FAILED: {
    status: 500,
    title: 'Plugin failed to load',
    fix: 'fix the named plugin file: it must import cleanly and default-export defineBot({ ... })',
  },
  RELAY_ERR_BOT_HANDLER_FAILED: {
    status: 500,
    title: 'Bot handler failed',
    fix: 'a bot handler threw or rejected; the log line names the bot and the error',
  },
  RELAY_ERR_HUBOT_BRAIN_UNAVAILABLE: {
    status: 503,
    title: 'Hubot brain unavailable',
    fix: 'the Hubot brain could not be read: make the named file or Redis key hold a JSON object again, or delete it to start afresh; with redisUrl (RELAY_REDIS_URL), check that Redis answers',
  },
  RELAY_ERR_BOT_HANDLER_TIMEOUT: {
    status: 504,
    title: 'Bot handler timed out',
    fix: 'a bot handler ran past botHandlerTimeoutMs and was abandoned; make it faster or raise the limit',
  },
  RELAY_ERR_NOT_CONNECTED: {
    status: 503,
    title: 'Client not connected',
    fix: 'await client.ready() and try again (a request is never kept to go out after a drop); a closed client never reconnects: create a new one',
  },
  RELAY_ERR_CONNECT_TIMEOUT: {
    status: 504,
    title: 'Connect timed out',
    fix: 'check the relay URL and that the relay runs and is reachable; connectTimeoutMs sets how long the client waits',
  },
  RELAY_ERR_SEND_QUEUE_FULL: {
    status: 429,
    title: 'Send queue full',
    fix: 'await client.ready() before sending many messages, or raise maxQueuedSends or maxQueuedBytes',
  },
  RELAY_ERR_HOOK_NOT_FOUND: {
    status: 404,
    title: 'Hook not found',
    fix: 'the hook URL is unknown, revoked or rotated: list the hooks with GET /v1/hooks (relay hooks list) and give the sender the URL of a live one',
  },
  RELAY_ERR_HOOK_SIGNATURE: {
    status: 401,
    title: 'Bad hook signature',
    fix: "sign the body with the hook's secret (GitHub: set the webhook's Secret to the one relay hooks add or rotate showed)",
  },
  RELAY_ERR_HOOK_REPLAYED: {
    status: 409,
    title: 'Hook delivery replayed',
    fix: 'this delivery id was already accepted; a sender retrying a delivery that succeeded needs to do nothing',
  },
  RELAY_ERR_HOOK_PAYLOAD: {
    status: 400,
    title: 'Invalid hook payload',
    fix: "send a body in the hook's format (slack, alertmanager, grafana, github or generic; see docs/hooks.md)",
  },
  RELAY_ERR_HOOK_DECLARED: {
    status: 409,
    title: 'Hook in the config file',
    fix: 'this hook comes from the config file (hooks.declared): change or remove it there and restart',
  },
  RELAY_ERR_UNAUTHENTICATED: {
    status: 401,
    title: 'Unauthenticated',
    fix: 'connect with a valid token in auth.token (jwt auth mode): signed with the configured key, not expired, with the expected issuer and audience (docs/identity.md)',
  },
  RELAY_ERR_AUTH_UNAVAILABLE: {
    status: 503,
    title: 'Authentication unavailable',
    fix: "the relay could not check the credentials in time (the keys of auth.jwksUrl, RELAY_AUTH_JWKS_URL, could not be fetched, or the relay's authenticator did not answer): check that the URL answers from the relay's host; clients may retry shortly",
  },
  RELAY_ERR_INTERNAL: {
    status: 500,
    title: 'Internal error',
    fix: 'this is a RelayKit bug; the log line with this message id says more',
  },
  RELAY_ERR_INVALID_IDENTITY: {
    status: 500,
    title: 'Invalid identity',
    fix: 'the authenticator installed with authenticateWith answered outside the Identity contract; make it return { userId, name, roles?, rooms?, expiresAt? } as docs/identity.md says (the message names the field)',
  },
  RELAY_ERR_INVALID_USER_ID: {
    status: 400,
    title: 'Invalid user id',
    fix: 'address a private message to a user id as meta.from.userId carries it: 1 to 200 characters, no control characters',
  },
} as const satisfies Record<string, { status: number; title: string; fix: string }>;

/** A stable error code, e.g. `RELAY_ERR_CONTENT_TOO_LARGE`. */
export type RelayErrorCode = keyof typeof RELAY_ERRORS;

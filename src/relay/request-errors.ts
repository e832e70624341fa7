/**
 * The errors a caller fixes (HTTP 4xx): what a client, a bot, a hook's sender or an API caller sent, or
 * how fast. Part of {@link RELAY_ERRORS}, the one table of codes, where they are documented.
 */
export const REQUEST_ERRORS = {
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
  RELAY_ERR_HISTORY_OFF: {
    status: 404,
    title: 'History off',
    fix: 'turn the history on (remove history: false from the config) to read or redact messages',
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
    fix: 'send a smaller body, or split the batch: /v1 takes at most api.bodyLimitBytes bytes (RELAY_API_BODY_LIMIT_BYTES), /hooks at most hooks.bodyLimitBytes (RELAY_HOOKS_BODY_LIMIT_BYTES)',
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
    fix: 'correct the option the message names as the call documents it: docs/wire-contract.md for socket events, docs/bots.md for bots, /openapi.json for HTTP query parameters',
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
  RELAY_ERR_INVALID_USER_ID: {
    status: 400,
    title: 'Invalid user id',
    fix: 'address a private message to a user id as meta.from.userId carries it: 1 to 200 characters, no control characters',
  },
} as const satisfies Record<string, { status: number; title: string; fix: string }>;

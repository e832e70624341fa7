/**
 * The errors the relay's operator (or RelayKit itself) fixes (HTTP 5xx): a store, Redis, a key set or a
 * plugin that is not there or not answering, a shutdown, a bug. Part of {@link RELAY_ERRORS}, the one
 * table of codes, where they are documented.
 */
export const SERVICE_ERRORS = {
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
  RELAY_ERR_SCHEDULE_RUN_FAILED: {
    status: 500,
    title: 'Scheduled run failed',
    fix: "the job's handler threw or rejected; the log line names the job and the error",
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
  RELAY_ERR_SCHEDULE_STORE: {
    status: 500,
    title: 'Schedule store failed',
    fix: 'check that scheduler.store names a writable file (RELAY_SCHEDULER_STORE); the log line says more',
  },
  RELAY_ERR_HOOK_STORE: {
    status: 500,
    title: 'Hook store failed',
    fix: 'check that hooks.store names a writable file (RELAY_HOOKS_STORE); the log line says more',
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
  RELAY_ERR_AUTH_UNAVAILABLE: {
    status: 503,
    title: 'Authentication unavailable',
    fix: "the relay could not check the credentials in time (the keys of auth.jwksUrl, RELAY_AUTH_JWKS_URL, could not be fetched, or the relay's authenticator failed or did not answer): check that the URL answers from the relay's host, and the relay's log; clients may retry shortly",
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
} as const satisfies Record<string, { status: number; title: string; fix: string }>;

import createClient from 'openapi-fetch';
import type { Argv } from 'yargs';
import type { paths } from '../http/openapi-types.js';
import { MAX_TIMER_MS } from '../relay/with-deadline.js';
import { type CliContext, DEFAULT_RELAY_URL, failCommand } from './cli-context.js';
import { DEV_RELAY_FILE, type DevRelay, isLoopbackUrl, readDevRelayFile } from './dev-relay-file.js';

/** A client of the relay's HTTP API, typed by its OpenAPI document. */
export type ApiClient = ReturnType<typeof createClient<paths>>;
// What every openapi-fetch call resolves with, reduced to what the commands read.
type ApiResult<T> = { data?: T; error?: unknown; response: Response };

/** The options every command that calls the API takes. */
export interface ApiArgs {
  url?: string;
  token?: string;
}

/** Which relay a command calls, and what is known of it. */
export interface RelayTarget {
  readonly baseUrl: string;
  /** The dev relay file's relay, when the command calls it. */
  readonly devRelay?: DevRelay;
}

/**
 * The variable the CLI reads its API token from: one secret of the server's `RELAY_API_TOKENS` list. Named
 * apart from it (and outside the server's `RELAY_API_*` settings) so the two cannot be mixed up.
 */
export const CLIENT_TOKEN_ENV = 'RELAY_CLIENT_TOKEN';
// Its old name, one letter from the server's RELAY_API_TOKENS: still read, with a warning.
const DEPRECATED_TOKEN_ENV = 'RELAY_API_TOKEN';
/**
 * How long one API call may take (ms), unless `RELAY_CLIENT_TIMEOUT_MS` says otherwise: past the longest
 * a relay may wait on its own (`relay webhooks test`: `webhooks.timeoutMs`, at most 60 s).
 */
export const CLIENT_TIMEOUT_MS = 90_000;
// What AbortSignal.timeout takes.

/** Adds `--url` and `--token` (with `RELAY_URL` and `RELAY_CLIENT_TOKEN`) to a command. */
export function apiOptions<T>(args: Argv<T>, tokenScope: 'publish' | 'admin'): Argv<T & ApiArgs> {
  return args
    .option('url', {
      type: 'string',
      describe: `relay URL [env RELAY_URL]`,
      defaultDescription: `the dev relay started here, else ${DEFAULT_RELAY_URL}`,
    })
    .option('token', {
      type: 'string',
      describe: `API token secret with the ${tokenScope} scope [env ${CLIENT_TOKEN_ENV}]`,
      defaultDescription: "the dev relay's generated token",
    }) as Argv<T & ApiArgs>;
}

/**
 * Runs one call of the relay's HTTP API. The URL and token are `--url`/`RELAY_URL` and
 * `--token`/`RELAY_CLIENT_TOKEN`; what is not given comes from the dev relay file that `relay serve`
 * writes in the working directory (see {@link readDevRelayFile}), its token only when the URL is that
 * relay's. On failure it prints the problem's title, code and detail (or why the relay could not be
 * reached), sets the exit code, and resolves with undefined.
 *
 * @example
 * ```ts
 * const done = await callRelayApi(context, argv, 'admin', (client, headers) => client.GET('/v1/schedules', { headers }));
 * if (done) print(done.data);
 * ```
 */
export async function callRelayApi<T>(
  context: CliContext,
  argv: ApiArgs,
  tokenScope: 'publish' | 'admin',
  call: (client: ApiClient, headers: Record<string, string>) => Promise<ApiResult<T>>,
): Promise<{ data: T | undefined; status: number; target: RelayTarget } | undefined> {
  // An empty variable counts as unset, as for the server's settings.
  const givenUrl = argv.url ?? (context.env.RELAY_URL || undefined);
  let token = argv.token ?? (context.env[CLIENT_TOKEN_ENV] || undefined);
  if (token === undefined && context.env[DEPRECATED_TOKEN_ENV]) {
    context.stderr.write(
      `relay: ${DEPRECATED_TOKEN_ENV} is deprecated: rename it ${CLIENT_TOKEN_ENV} (RELAY_API_TOKENS is the server's list)\n`,
    );
    token = context.env[DEPRECATED_TOKEN_ENV];
  }
  const lookup = context.isProcessRunning
    ? await readDevRelayFile(context.cwd, context.isProcessRunning)
    : undefined;
  const found = lookup && 'relay' in lookup ? lookup.relay : undefined;
  const devRelay = found && (givenUrl === undefined || sameRelay(givenUrl, found.url)) ? found : undefined;
  const baseUrl = (givenUrl ?? devRelay?.url ?? DEFAULT_RELAY_URL).replace(/\/+$/, '');
  token ??= devRelay?.apiToken;
  if (!token) {
    const article = tokenScope === 'admin' ? 'an admin' : 'an';
    const why =
      lookup && 'refused' in lookup
        ? `; ${lookup.refused}`
        : lookup && 'stalePid' in lookup
          ? `; ${DEV_RELAY_FILE} names a relay (pid ${lookup.stalePid}) that is no longer running`
          : found
            ? `; ${DEV_RELAY_FILE} names another relay (${found.url})`
            : '';
    failCommand(
      context,
      `this needs ${article} API token: --token or ${CLIENT_TOKEN_ENV} (see docs/http-api.md)${why}`,
      2,
    );
    return undefined;
  }
  if (!URL.canParse(baseUrl)) {
    failCommand(context, `--url ${JSON.stringify(baseUrl)} is not a URL, e.g. ${DEFAULT_RELAY_URL}`, 2);
    return undefined;
  }
  const target = { baseUrl, ...(devRelay ? { devRelay } : {}) };
  // A relay that takes the connection and never answers (stuck, or not a relay) must not hang a script.
  const givenTimeout = context.env.RELAY_CLIENT_TIMEOUT_MS || undefined;
  const timeoutMs = givenTimeout === undefined ? CLIENT_TIMEOUT_MS : Number(givenTimeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMER_MS) {
    failCommand(context, `RELAY_CLIENT_TIMEOUT_MS: expected milliseconds from 1 to ${MAX_TIMER_MS}`, 2);
    return undefined;
  }
  const client = createClient<paths>({
    baseUrl,
    fetch: (request) => fetch(request, { signal: AbortSignal.timeout(timeoutMs) }),
  });
  const result = await call(client, { authorization: `Bearer ${token}` }).catch((error: unknown) =>
    error instanceof Error ? error : new Error(String(error)),
  );
  if (result instanceof Error && result.name === 'TimeoutError') {
    failCommand(context, `${baseUrl} did not answer within ${timeoutMs} ms (RELAY_CLIENT_TIMEOUT_MS)`, 1);
    return undefined;
  }
  // A body that is not JSON: something answered, but not a relay (a web page at --url, say).
  if (result instanceof SyntaxError) {
    failCommand(context, `${baseUrl} answered, but not as a relay does (not JSON): is --url the relay's?`, 1);
    return undefined;
  }
  if (result instanceof Error) {
    const cause = result.cause as { code?: string; message?: string } | undefined;
    failCommand(context, `cannot reach ${baseUrl}: ${cause?.code ?? cause?.message ?? result.message}`, 1);
    return undefined;
  }
  if (result.response.ok) return { data: result.data, status: result.response.status, target };
  const problem = result.error;
  if (problem !== null && typeof problem === 'object' && 'title' in problem) {
    const { title, code, detail } = problem as { title: string; code?: string; detail?: string };
    failCommand(context, `${title}${code ? ` (${code})` : ''}${detail ? `: ${detail}` : ''}`, 1);
  } else {
    failCommand(
      context,
      `${baseUrl} answered HTTP ${result.response.status} ${result.response.statusText}`,
      1,
    );
  }
  return undefined;
}

// The same relay: same port and scheme, and both on loopback (localhost and 127.0.0.1 alike) or same host.
function sameRelay(given: string, recorded: string): boolean {
  if (!URL.canParse(given)) return false;
  const a = new URL(given);
  const b = new URL(recorded);
  const host = (url: URL) => (isLoopbackUrl(url.href) ? 'loopback' : url.hostname);
  return a.protocol === b.protocol && a.port === b.port && host(a) === host(b);
}

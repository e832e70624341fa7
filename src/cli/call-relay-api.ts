import createClient from 'openapi-fetch';
import type { Argv } from 'yargs';
import type { paths } from '../http/openapi-types.js';
import { type CliContext, DEFAULT_RELAY_URL, failCommand } from './cli-context.js';

/** A client of the relay's HTTP API, typed by its OpenAPI document. */
export type ApiClient = ReturnType<typeof createClient<paths>>;
// What every openapi-fetch call resolves with, reduced to what the commands read.
type ApiResult<T> = { data?: T; error?: unknown; response: Response };

/** The options every command that calls the API takes. */
export interface ApiArgs {
  url?: string;
  token?: string;
}

/** Adds `--url` and `--token` (with `RELAY_URL` and `RELAY_API_TOKEN`) to a command. */
export function apiOptions<T>(args: Argv<T>, tokenScope: 'publish' | 'admin'): Argv<T & ApiArgs> {
  return args
    .option('url', { type: 'string', describe: `relay URL [env RELAY_URL] (default: ${DEFAULT_RELAY_URL})` })
    .option('token', {
      type: 'string',
      describe: `API token secret with the ${tokenScope} scope [env RELAY_API_TOKEN]`,
    }) as Argv<T & ApiArgs>;
}

/**
 * Runs one call of the relay's HTTP API with the command's URL and token. On failure it prints the
 * problem's title, code and detail (or why the relay could not be reached), sets the exit code, and
 * resolves with undefined.
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
): Promise<{ data: T | undefined; status: number } | undefined> {
  const baseUrl = (argv.url ?? context.env.RELAY_URL ?? DEFAULT_RELAY_URL).replace(/\/+$/, '');
  const token = argv.token ?? context.env.RELAY_API_TOKEN;
  if (!token) {
    const article = tokenScope === 'admin' ? 'an admin' : 'an';
    failCommand(
      context,
      `this needs ${article} API token: --token or RELAY_API_TOKEN (see docs/http-api.md)`,
      2,
    );
    return undefined;
  }
  if (!URL.canParse(baseUrl)) {
    failCommand(context, `--url ${JSON.stringify(baseUrl)} is not a URL, e.g. ${DEFAULT_RELAY_URL}`, 2);
    return undefined;
  }
  const result = await call(createClient<paths>({ baseUrl }), { authorization: `Bearer ${token}` }).catch(
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
  if (result instanceof Error) {
    const cause = result.cause as { code?: string; message?: string } | undefined;
    failCommand(context, `cannot reach ${baseUrl}: ${cause?.code ?? cause?.message ?? result.message}`, 1);
    return undefined;
  }
  if (result.response.ok) return { data: result.data, status: result.response.status };
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

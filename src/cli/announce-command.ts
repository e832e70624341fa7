import createClient from 'openapi-fetch';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { paths } from '../http/openapi-types.js';
import type { CliContext } from './run-cli.js';

interface AnnounceArgs {
  text: string;
  room?: string;
  url?: string;
  token?: string;
  idempotencyKey?: string;
}

/** Where `relay announce` posts when neither `--url` nor `RELAY_URL` says. */
export const DEFAULT_RELAY_URL = 'http://localhost:3000';

/**
 * `relay announce "text" [--room r] [--url u] [--token t]`: posts an announcement through the relay's
 * HTTP API with a client typed by the API spec, prints the message id, and on failure prints the
 * problem's title and detail and exits 1 (2 for a usage error). `RELAY_URL` and `RELAY_API_TOKEN` stand in
 * for `--url` and `--token`.
 *
 * @example
 * ```sh
 * RELAY_API_TOKEN=s3cr3t relay announce "Deploy done" --room ops
 * ```
 */
export function announceCommand(context: CliContext): CommandModule {
  const fail = (message: string, exitCode: number) => {
    context.stderr.write(`relay: ${message}\n`);
    context.exitCode = exitCode;
  };
  return {
    command: 'announce <text>',
    describe: "post an announcement to a running relay through its HTTP API; prints the message's id",
    builder: (args: Argv) =>
      args
        .positional('text', { type: 'string', describe: 'what to announce', demandOption: true })
        .option('room', { type: 'string', describe: 'room to announce in (default: every connected client)' })
        .option('url', {
          type: 'string',
          describe: `relay URL [env RELAY_URL] (default: ${DEFAULT_RELAY_URL})`,
        })
        .option('token', { type: 'string', describe: 'API token secret [env RELAY_API_TOKEN]' })
        .option('idempotency-key', {
          type: 'string',
          describe: 'makes retries safe: the relay sends a message once per key',
        }),
    handler: async (raw: ArgumentsCamelCase) => {
      const argv = raw as ArgumentsCamelCase<AnnounceArgs>;
      const baseUrl = (argv.url ?? context.env.RELAY_URL ?? DEFAULT_RELAY_URL).replace(/\/+$/, '');
      const token = argv.token ?? context.env.RELAY_API_TOKEN;
      if (!token) {
        fail('announce needs an API token: --token or RELAY_API_TOKEN (see "HTTP API" in the README)', 2);
        return;
      }
      if (!URL.canParse(baseUrl)) {
        fail(`--url ${JSON.stringify(baseUrl)} is not a URL, e.g. ${DEFAULT_RELAY_URL}`, 2);
        return;
      }
      const client = createClient<paths>({ baseUrl });
      const result = await client
        .POST('/v1/messages', {
          body: { content: String(argv.text), ...(argv.room === undefined ? {} : { room: argv.room }) },
          params: { header: argv.idempotencyKey ? { 'Idempotency-Key': argv.idempotencyKey } : {} },
          headers: { authorization: `Bearer ${token}` },
        })
        .catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
      if (result instanceof Error) {
        const cause = result.cause as { code?: string; message?: string } | undefined;
        fail(`cannot reach ${baseUrl}: ${cause?.code ?? cause?.message ?? result.message}`, 1);
        return;
      }
      if (result.data) {
        context.stdout.write(`${result.data.id}\n`);
        return;
      }
      const problem = result.error as unknown;
      if (problem !== null && typeof problem === 'object' && 'title' in problem) {
        const { title, code, detail } = problem as { title: string; code?: string; detail?: string };
        fail(`${title}${code ? ` (${code})` : ''}${detail ? `: ${detail}` : ''}`, 1);
      } else {
        fail(`${baseUrl} answered HTTP ${result.response.status} ${result.response.statusText}`, 1);
      }
    },
  };
}

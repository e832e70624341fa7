import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { type ApiArgs, apiOptions, callRelayApi } from './call-relay-api.js';
import type { CliContext } from './cli-context.js';

interface AnnounceArgs extends ApiArgs {
  text: string;
  room?: string;
  idempotencyKey?: string;
}

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
  return {
    command: 'announce <text>',
    describe: "post an announcement to a running relay through its HTTP API; prints the message's id",
    builder: (args: Argv) =>
      apiOptions(
        args
          .positional('text', { type: 'string', describe: 'what to announce', demandOption: true })
          .option('room', {
            type: 'string',
            describe: 'room to announce in (default: every connected client)',
          })
          .option('idempotency-key', {
            type: 'string',
            describe: 'makes retries safe: the relay sends a message once per key',
          }),
        'publish',
      ),
    handler: async (raw: ArgumentsCamelCase) => {
      const argv = raw as ArgumentsCamelCase<AnnounceArgs>;
      const done = await callRelayApi(context, argv, 'publish', (client, headers) =>
        client.POST('/v1/messages', {
          body: { content: String(argv.text), ...(argv.room === undefined ? {} : { room: argv.room }) },
          params: { header: argv.idempotencyKey ? { 'Idempotency-Key': argv.idempotencyKey } : {} },
          headers,
        }),
      );
      if (done?.data) context.stdout.write(`${done.data.id}\n`);
    },
  };
}

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { components } from '../http/openapi-types.js';
import { type ApiArgs, apiOptions, callRelayApi } from './call-relay-api.js';
import { type CliContext, failCommand } from './cli-context.js';
import { readJsonContent } from './read-json-content.js';

interface AnnounceArgs extends ApiArgs {
  text: string;
  room?: string;
  idempotencyKey?: string;
  json?: boolean;
}

/**
 * `relay announce "text" [--room r] [--json] [--url u] [--token t]`: posts an announcement through the
 * relay's HTTP API with a client typed by the API spec, prints the message id, and on failure prints the
 * problem's title and detail and exits 1 (2 for a usage error). `RELAY_URL` and `RELAY_CLIENT_TOKEN`
 * stand in for `--url` and `--token`; without either, the dev relay `relay serve` started in the working
 * directory is used.
 *
 * @example
 * ```sh
 * RELAY_CLIENT_TOKEN=s3cr3t npx relay announce "Deploy done" --room ops
 * npx relay announce '{"type":"deploy","version":"1.4"}' --json
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
            describe: 'room to announce in',
            defaultDescription: 'every connected client',
          })
          .option('json', { type: 'boolean', describe: 'the text is a JSON object: structured content' })
          .option('idempotency-key', {
            type: 'string',
            describe: 'makes retries safe: the relay sends a message once per key',
          }),
        'publish',
      )
        .example(`$0 announce "Deploy done" --room ops   # to the room ops of the dev relay started here`, '')
        .example(
          `RELAY_CLIENT_TOKEN=s3cr3t $0 announce '{"type":"deploy"}' --json --url https://relay.example`,
          '',
        ),
    handler: async (raw: ArgumentsCamelCase) => {
      const argv = raw as ArgumentsCamelCase<AnnounceArgs>;
      let content: components['schemas']['MessageContent'] = String(argv.text);
      if (argv.json) {
        const read = readJsonContent(content);
        if ('problem' in read) {
          failCommand(context, read.problem, 2);
          return;
        }
        content = read.content;
      }
      const done = await callRelayApi(context, argv, 'publish', (client, headers) =>
        client.POST('/v1/messages', {
          body: { content, ...(argv.room === undefined ? {} : { room: argv.room }) },
          params: { header: argv.idempotencyKey ? { 'Idempotency-Key': argv.idempotencyKey } : {} },
          headers,
        }),
      );
      if (!done) return;
      // A 2xx without the message's id is not a relay's answer: printing "undefined" would pass a script.
      if (typeof done.data?.id !== 'string') {
        failCommand(
          context,
          `${done.target.baseUrl} answered HTTP ${done.status} without a message id: is --url the relay's?`,
          1,
        );
        return;
      }
      context.stdout.write(`${done.data.id}\n`);
    },
  };
}

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { components } from '../http/openapi-types.js';
import { type ApiArgs, apiOptions, callRelayApi } from './call-relay-api.js';
import { type CliContext, failCommand } from './cli-context.js';

type Webhook = components['schemas']['Webhook'];
type Trigger = components['schemas']['WebhookTrigger'];

interface AddArgs extends ApiArgs {
  target: string;
  room: string[];
  name?: string;
  prefix?: string;
  words?: string;
  regex?: string;
  all?: boolean;
}

/**
 * `relay webhooks …`: the outgoing webhooks of a running relay, through its `/v1/webhooks` API (admin
 * token: `--token` or `RELAY_CLIENT_TOKEN`; `--url` or `RELAY_URL`; without them, the dev relay started in
 * the working directory). `add` prints the new endpoint's id and its signing secret (shown this once),
 * `list` the endpoints with their queues, `rm` deletes one, `test` sends it one signed test message now.
 *
 * @example
 * ```sh
 * npx relay webhooks add https://bots.example.com/deploy --room ops --prefix '!deploy'
 * npx relay webhooks test wh_abc123
 * ```
 */
export function webhooksCommand(context: CliContext): CommandModule {
  const print = (line: string) => context.stdout.write(`${line}\n`);
  const fail = (message: string, exitCode: 1 | 2) => failCommand(context, message, exitCode);
  const callApi = <T>(argv: ApiArgs, call: Parameters<typeof callRelayApi<T>>[3]) =>
    callRelayApi(context, argv, 'admin', call);
  const withApi = (args: Argv) => apiOptions(args, 'admin');
  const idArg = (args: Argv) =>
    withApi(args).positional('id', { type: 'string', describe: 'endpoint id', demandOption: true });

  return {
    command: 'webhooks <command>',
    describe: 'outgoing webhooks of a running relay: add, list, rm, test',
    builder: (args: Argv) =>
      args
        .command({
          command: 'add <target>',
          describe: 'add an endpoint; prints its id and signing secret (shown once)',
          builder: (sub: Argv) =>
            withApi(sub)
              .positional('target', {
                type: 'string',
                describe: 'http(s) URL the relay POSTs to',
                demandOption: true,
              })
              .option('room', {
                type: 'string',
                array: true,
                describe: 'room to watch (repeatable)',
                demandOption: true,
              })
              .option('name', { type: 'string', describe: 'bot name its answers are published under' })
              .option('prefix', { type: 'string', describe: 'trigger: messages starting with this' })
              .option('words', {
                type: 'string',
                describe: 'trigger: messages with one of these words (comma-separated)',
              })
              .option('regex', {
                type: 'string',
                describe: 'trigger: messages matching this regular expression',
              })
              .option('all', { type: 'boolean', describe: 'trigger: every message' })
              .example(`$0 webhooks add https://bots.example.com/hook --room ops --prefix '!deploy'`, ''),
          handler: async (raw: ArgumentsCamelCase) => {
            const argv = raw as ArgumentsCamelCase<AddArgs>;
            const triggers: Trigger[] = [
              ...(argv.prefix === undefined ? [] : [{ prefix: argv.prefix }]),
              ...(argv.words === undefined ? [] : [{ words: argv.words.split(',').map((w) => w.trim()) }]),
              ...(argv.regex === undefined ? [] : [{ regex: argv.regex }]),
              ...(argv.all ? [{ all: true as const }] : []),
            ];
            const [trigger] = triggers;
            if (triggers.length !== 1 || trigger === undefined) {
              fail('give exactly one trigger: --prefix, --words, --regex or --all', 2);
              return;
            }
            const body = {
              url: String(argv.target),
              rooms: argv.room.map(String),
              trigger,
              ...(argv.name === undefined ? {} : { name: argv.name }),
            };
            const done = await callApi(argv, (client, headers) =>
              client.POST('/v1/webhooks', { body, headers }),
            );
            if (!done?.data) return;
            print(`added ${done.data.id}`);
            print(`secret ${done.data.secret}`);
          },
        })
        .command({
          command: 'list',
          describe: 'list the endpoints (no secrets) with their queued and dead-lettered deliveries',
          builder: (sub: Argv) =>
            withApi(sub).option('json', { type: 'boolean', describe: 'print the API answer as JSON' }),
          handler: async (raw: ArgumentsCamelCase) => {
            const argv = raw as ArgumentsCamelCase<ApiArgs & { json?: boolean }>;
            const done = await callApi(argv, (client, headers) => client.GET('/v1/webhooks', { headers }));
            if (!done?.data) return;
            if (argv.json) print(JSON.stringify(done.data, null, 2));
            else if (done.data.webhooks.length === 0) print('no webhooks');
            else for (const webhook of done.data.webhooks) print(describeWebhook(webhook));
          },
        })
        .command({
          command: 'rm <id>',
          describe: 'delete an endpoint added over the API, with its queue',
          builder: idArg,
          handler: async (raw: ArgumentsCamelCase) => {
            const argv = raw as ArgumentsCamelCase<ApiArgs & { id: string }>;
            const params = { path: { id: String(argv.id) } };
            const done = await callApi(argv, (client, headers) =>
              client.DELETE('/v1/webhooks/{id}', { params, headers }),
            );
            if (done) print(`removed ${argv.id}`);
          },
        })
        .command({
          command: 'test <id>',
          describe: 'send the endpoint one signed test message now; exit 1 unless it answers 2xx',
          builder: idArg,
          handler: async (raw: ArgumentsCamelCase) => {
            const argv = raw as ArgumentsCamelCase<ApiArgs & { id: string }>;
            const params = { path: { id: String(argv.id) } };
            const done = await callApi(argv, (client, headers) =>
              client.POST('/v1/webhooks/{id}/test', { params, headers }),
            );
            const result = done?.data;
            if (!result) return;
            if (result.delivered) print(`delivered: HTTP ${result.status}`);
            else fail(`not delivered: ${result.error ?? `HTTP ${result.status}`}`, 1);
          },
        })
        .demandCommand(1, 'name a webhooks command: add, list, rm or test'),
    handler: () => undefined,
  };
}

// One line per endpoint: id, name, rooms, trigger, queue, url.
function describeWebhook(webhook: Webhook): string {
  const trigger = Object.entries(webhook.trigger)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join(',') : String(value)}`)
    .join('');
  return `${webhook.id}  ${webhook.name}  rooms=${webhook.rooms.join(',')}  ${trigger}  queued=${webhook.queued} dead=${webhook.deadLetters}  ${webhook.origin}  ${webhook.url}`;
}

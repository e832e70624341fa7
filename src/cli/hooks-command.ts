import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { components } from '../http/openapi-types.js';
import { type ApiArgs, apiOptions, callRelayApi } from './call-relay-api.js';
import type { CliContext } from './cli-context.js';

type Hook = components['schemas']['Hook'];
type HookIssued = components['schemas']['HookIssued'];
type HookFormat = Hook['format'];

const FORMATS: readonly HookFormat[] = ['slack', 'alertmanager', 'grafana', 'github', 'generic', 'auto'];

/**
 * `relay hooks add|list|rm|rotate`: a running relay's incoming webhooks, through its `/v1/hooks` API
 * (admin token: `--token` or `RELAY_CLIENT_TOKEN`; `--url` or `RELAY_URL`; without them, the dev relay
 * started in the working directory). `add` and `rotate` print the hook's URL (and a GitHub hook's
 * secret): the only time the relay shows them.
 *
 * @example
 * ```sh
 * npx relay hooks add alerts --room ops --format alertmanager
 * npx relay hooks rotate hk_4f2a9c
 * ```
 */
export function hooksCommand(context: CliContext): CommandModule {
  const print = (line: string) => context.stdout.write(`${line}\n`);
  const withApi = (args: Argv) => apiOptions(args, 'admin');
  const callApi = <T>(argv: ApiArgs, call: Parameters<typeof callRelayApi<T>>[3]) =>
    callRelayApi(context, argv, 'admin', call);
  const printIssued = (hook: HookIssued, verb: string) => {
    print(`${verb} ${describeHook(hook)}`);
    print(`url:    ${hook.url}`);
    if (hook.format === 'github') print(`secret: ${hook.secret}   (the webhook's Secret in GitHub)`);
    print(
      hook.format === 'github'
        ? 'keep the secret now: the relay needs it to check signatures, but never shows it again'
        : 'keep the URL now: the relay keeps only a hash of its key and never shows it again',
    );
  };

  return {
    command: 'hooks <command>',
    describe: 'incoming webhooks of a running relay: add, list, rotate, rm',
    builder: (args: Argv) =>
      args
        .command({
          command: 'add <name>',
          describe: 'add a hook; prints its URL (shown once)',
          builder: (sub: Argv) =>
            withApi(sub)
              .positional('name', {
                type: 'string',
                describe: 'display name of its announcements',
                demandOption: true,
              })
              .option('room', {
                type: 'string',
                describe: 'room to announce in',
                defaultDescription: 'every client',
              })
              .option('format', { choices: FORMATS, default: 'auto', describe: 'what the sender posts' })
              .option('allow-channel', {
                type: 'boolean',
                describe: 'let a Slack-style channel field pick the room',
              })
              .option('template', {
                type: 'string',
                describe: 'the generic format\'s mustache template, e.g. "{{service}} is {{state}}"',
              })
              .example('$0 hooks add alerts --room ops --format alertmanager', '')
              .example('$0 hooks add uptime --format generic --template "{{service}} is {{state}}"', ''),
          handler: async (raw: ArgumentsCamelCase) => {
            const argv = raw as ArgumentsCamelCase<
              ApiArgs & {
                name: string;
                room?: string;
                format: HookFormat;
                allowChannel?: boolean;
                template?: string;
              }
            >;
            const body = {
              name: String(argv.name),
              format: argv.format,
              ...(argv.room === undefined ? {} : { room: argv.room }),
              allowChannel: argv.allowChannel === true,
              ...(argv.template === undefined ? {} : { template: argv.template }),
            };
            const done = await callApi(argv, (client, headers) =>
              client.POST('/v1/hooks', { body, headers }),
            );
            if (done?.data) printIssued(done.data, 'added');
          },
        })
        .command({
          command: 'list',
          describe: "list a running relay's hooks (never their keys)",
          builder: (sub: Argv) =>
            withApi(sub).option('json', { type: 'boolean', describe: 'print the API answer as JSON' }),
          handler: async (raw: ArgumentsCamelCase) => {
            const argv = raw as ArgumentsCamelCase<ApiArgs & { json?: boolean }>;
            const done = await callApi(argv, (client, headers) => client.GET('/v1/hooks', { headers }));
            if (!done?.data) return;
            if (argv.json) print(JSON.stringify(done.data, null, 2));
            else if (done.data.hooks.length === 0) print('no hooks');
            else for (const hook of done.data.hooks) print(describeHook(hook));
          },
        })
        .command({
          command: 'rotate <id>',
          describe: 'give a hook a new key: its old URL stops working at once',
          builder: (sub: Argv) => withApi(sub).positional('id', { type: 'string', demandOption: true }),
          handler: async (raw: ArgumentsCamelCase) => {
            const argv = raw as ArgumentsCamelCase<ApiArgs & { id: string }>;
            const params = { path: { id: String(argv.id) } };
            const done = await callApi(argv, (client, headers) =>
              client.POST('/v1/hooks/{id}/rotate', { params, headers }),
            );
            if (done?.data) printIssued(done.data, 'rotated');
          },
        })
        .command({
          command: 'rm <id>',
          describe: 'delete a hook: its URL answers 404 from now on',
          builder: (sub: Argv) => withApi(sub).positional('id', { type: 'string', demandOption: true }),
          handler: async (raw: ArgumentsCamelCase) => {
            const argv = raw as ArgumentsCamelCase<ApiArgs & { id: string }>;
            const params = { path: { id: String(argv.id) } };
            const done = await callApi(argv, (client, headers) =>
              client.DELETE('/v1/hooks/{id}', { params, headers }),
            );
            if (done) print(`removed ${argv.id}`);
          },
        })
        .demandCommand(1, 'name a hooks command: add, list, rotate or rm'),
    handler: () => undefined,
  };
}

// One line per hook: id, name, format, room, origin.
function describeHook(hook: Hook): string {
  const room = hook.room === null ? 'every client' : `#${hook.room}`;
  return `${hook.id}  ${hook.name}  ${hook.format} → ${room}${hook.declared ? '  (config file)' : ''}`;
}

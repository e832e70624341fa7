import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import type { components } from '../http/openapi-types.js';
import { RelayError } from '../relay/relay-error.js';
import { nextRuns } from '../schedule/cron-times.js';
import { type ApiArgs, apiOptions, callRelayApi } from './call-relay-api.js';
import { type CliContext, failCommand } from './cli-context.js';
import { formatScheduleTable } from './format-schedule-table.js';
import { readJsonContent } from './read-json-content.js';

type Schedule = components['schemas']['Schedule'];

/**
 * `relay schedule …`: the scheduler from the command line. `next "<cron>" [--tz] [--count]` prints the next
 * fire times offline; `list`, `add`, `rm`, `run`, `pause` and `resume` call a running relay's
 * `/v1/schedules` API (admin token: `--token` or `RELAY_CLIENT_TOKEN`; `--url` or `RELAY_URL`; without
 * them, the dev relay started in the working directory) through a client typed by the API spec. Failures
 * print the problem's title and detail and exit 1 (2 for usage errors).
 *
 * @example
 * ```sh
 * npx relay schedule next "0 55 9 * * 1-5" --tz Europe/Paris --count 3
 * RELAY_CLIENT_TOKEN=s3cr3t npx relay schedule add standup "0 55 9 * * 1-5" "Stand-up in 5 minutes" --tz Europe/Paris
 * ```
 */
export function scheduleCommand(context: CliContext): CommandModule {
  const print = (line: string) => context.stdout.write(`${line}\n`);
  const fail = (message: string, exitCode: 1 | 2) => failCommand(context, message, exitCode);

  const callApi = <T>(
    argv: ApiArgs,
    call: Parameters<typeof callRelayApi<T>>[3],
  ): ReturnType<typeof callRelayApi<T>> => callRelayApi(context, argv, 'admin', call);
  const withApi = (args: Argv) => apiOptions(args, 'admin');

  const idCommand = (name: 'rm' | 'run' | 'pause' | 'resume', describe: string): CommandModule => ({
    command: `${name} <id>`,
    describe,
    builder: (args: Argv) =>
      withApi(args)
        .positional('id', { type: 'string', describe: 'job id', demandOption: true })
        .example(`$0 schedule ${name} standup   # ${describe}`, ''),
    handler: async (raw: ArgumentsCamelCase) => {
      const argv = raw as ArgumentsCamelCase<ApiArgs & { id: string }>;
      const params = { path: { id: String(argv.id) } };
      if (name === 'rm') {
        const done = await callApi(argv, (client, headers) =>
          client.DELETE('/v1/schedules/{id}', { params, headers }),
        );
        if (done) print(`removed ${argv.id}`);
      } else if (name === 'run') {
        const done = await callApi(argv, (client, headers) =>
          client.POST('/v1/schedules/{id}/run', { params, headers }),
        );
        const run = done?.data;
        if (run?.outcome === 'ok') print(run.messageId ?? `ran ${argv.id}`);
        else if (run) fail(`job "${argv.id}" ran and failed: ${run.error?.code}: ${run.error?.message}`, 1);
      } else {
        const path = name === 'pause' ? '/v1/schedules/{id}/pause' : '/v1/schedules/{id}/resume';
        const done = await callApi(argv, (client, headers) => client.POST(path, { params, headers }));
        if (done?.data) print(describeJob(done.data));
      }
    },
  });

  return {
    command: 'schedule <command>',
    describe: 'scheduled announcements: next fire times, and the jobs of a running relay',
    builder: (args: Argv) =>
      args
        .command({
          command: 'next <cron>',
          describe: 'print the next fire times of a cron expression (offline)',
          builder: (sub: Argv) =>
            sub
              .positional('cron', {
                type: 'string',
                describe: 'node-cron expression: 5 fields, or 6 with seconds first',
                demandOption: true,
              })
              .option('tz', {
                type: 'string',
                describe: 'IANA time zone',
                defaultDescription: "this machine's",
              })
              .option('count', { type: 'number', default: 5, describe: 'how many times to print (1-100)' })
              .example(
                `$0 schedule next "0 55 9 * * 1-5" --tz Europe/Paris --count 3   # weekdays at 09:55 in Paris`,
                '',
              ),
          handler: (raw: ArgumentsCamelCase) => {
            const argv = raw as ArgumentsCamelCase<{ cron: string; tz?: string; count: number }>;
            if (!Number.isInteger(argv.count) || argv.count < 1 || argv.count > 100) {
              fail(`--count must be a whole number from 1 to 100, got ${argv.count}`, 2);
              return;
            }
            let times: Date[];
            try {
              times = nextRuns(String(argv.cron), { timezone: argv.tz, count: argv.count });
            } catch (error) {
              if (!(error instanceof RelayError)) throw error;
              fail(`${error.code}: ${error.detail}`, 2);
              return;
            }
            const zone = argv.tz ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
            for (const time of times) print(`${time.toISOString()}  ${localTime(time, zone)} ${zone}`);
          },
        })
        .command({
          command: 'list',
          describe: "list a running relay's jobs: zone, room, next and last run, content",
          builder: (sub: Argv) =>
            withApi(sub)
              .option('json', { type: 'boolean', describe: 'print the API answer as JSON' })
              .example(`$0 schedule list   # the jobs of the dev relay started here`, ''),
          handler: async (raw: ArgumentsCamelCase) => {
            const argv = raw as ArgumentsCamelCase<ApiArgs & { json?: boolean }>;
            const done = await callApi(argv, (client, headers) => client.GET('/v1/schedules', { headers }));
            if (!done?.data) return;
            if (argv.json) print(JSON.stringify(done.data, null, 2));
            else if (done.data.schedules.length === 0) print('no jobs');
            else {
              const zone = done.target.devRelay?.timezone;
              for (const line of formatScheduleTable(done.data.schedules, zone)) print(line);
            }
          },
        })
        .command({
          command: 'add <id> <cron> <content>',
          describe: 'add a runtime job to a running relay (kept across restarts)',
          builder: (sub: Argv) =>
            withApi(sub)
              .positional('id', { type: 'string', describe: 'unique job id', demandOption: true })
              .positional('cron', { type: 'string', describe: 'node-cron expression', demandOption: true })
              .positional('content', { type: 'string', describe: 'what to announce', demandOption: true })
              .option('tz', {
                type: 'string',
                describe: 'IANA time zone the expression is read in',
                defaultDescription: "the relay's",
              })
              .option('room', {
                type: 'string',
                describe: 'room to announce in',
                defaultDescription: 'every client',
              })
              .option('json', { type: 'boolean', describe: 'content is a JSON object' })
              .example(
                `$0 schedule add standup "0 55 9 * * 1-5" "Stand-up" --tz Europe/Paris   # weekdays, 09:55 in Paris`,
                '',
              ),
          handler: async (raw: ArgumentsCamelCase) => {
            const argv = raw as ArgumentsCamelCase<
              ApiArgs & {
                id: string;
                cron: string;
                content: string;
                tz?: string;
                room?: string;
                json?: boolean;
              }
            >;
            let content: components['schemas']['MessageContent'] = String(argv.content);
            if (argv.json) {
              const read = readJsonContent(content);
              if ('problem' in read) {
                fail(read.problem, 2);
                return;
              }
              content = read.content;
            }
            const body = {
              id: String(argv.id),
              cron: String(argv.cron),
              content,
              ...(argv.tz === undefined ? {} : { timezone: argv.tz }),
              ...(argv.room === undefined ? {} : { room: argv.room }),
            };
            const done = await callApi(argv, (client, headers) =>
              client.POST('/v1/schedules', { body, headers }),
            );
            if (done?.data) print(`added ${describeJob(done.data)}`);
          },
        })
        .command(idCommand('rm', 'delete a runtime job of a running relay'))
        .command(idCommand('run', 'run a job of a running relay now; prints the message id'))
        .command(idCommand('pause', 'pause a job of a running relay'))
        .command(idCommand('resume', 'resume a paused job of a running relay'))
        .demandCommand(1, 'name a schedule command: next, list, add, rm, run, pause or resume'),
    handler: () => undefined,
  };
}

// One line per job: id, cron and zone, origin, state, next run, last run.
function describeJob(job: Schedule): string {
  const zone = job.timezone ? ` ${job.timezone}` : '';
  const state = job.broken
    ? `broken: ${job.broken}`
    : job.paused
      ? 'paused'
      : `next ${job.nextRuns[0] ?? '-'}`;
  const last = job.lastRun
    ? `last ${job.lastRun.finishedAt} ${job.lastRun.outcome}${job.lastRun.error ? ` (${job.lastRun.error.code})` : ''}`
    : 'never ran';
  return `${job.id}  "${job.cron}"${zone}  ${job.origin}  ${state}  ${last}`;
}

function localTime(date: Date, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    weekday: 'short',
    year: 'numeric',
    month: 'short',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(date);
}

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { signDevToken } from '../auth/sign-dev-token.js';
import { identityFromClaims } from '../auth/token-claims.js';
import { loadConfig } from '../config/load-config.js';
import type { RelayError } from '../relay/relay-error.js';
import { type CliContext, failCommand } from './cli-context.js';

interface TokenArgs {
  sub: string;
  name?: string;
  rooms?: string;
  roles?: string;
  ttl: string;
  config?: string;
}

const UNITS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3600, d: 86_400 };
/** Longest `--ttl`: a development token, not a credential to keep. */
const MAX_TTL_SEC = 30 * 86_400;

/**
 * `relay token --sub u-42 [--name Ann] [--rooms general,team-*] [--roles admin] [--ttl 1h]`: signs a
 * development token for `jwt` auth mode with the relay's own `auth.jwtSecret` (from `RELAY_AUTH_JWT_SECRET`
 * or the config file, as `relay serve` reads it; its `auth.issuer` and `auth.audience` too) and prints
 * it on stdout, so that trying jwt mode takes one line. Production tokens come from your backend.
 *
 * @example
 * ```sh
 * export RELAY_AUTH_JWT_SECRET=$(openssl rand -base64 32)
 * npx relay serve --auth-mode jwt &
 * open "http://localhost:3000/?token=$(npx relay token --sub u-42 --name Ann --roles admin)"
 * ```
 */
export function tokenCommand(context: CliContext): CommandModule {
  return {
    command: 'token',
    describe: "sign a development token for jwt auth mode with the relay's auth.jwtSecret; prints it",
    builder: (args: Argv) =>
      args
        .option('sub', { type: 'string', describe: 'the user id (sub claim)', demandOption: true })
        .option('name', {
          type: 'string',
          describe: 'display name (name claim)',
          defaultDescription: 'the sub',
        })
        .option('rooms', {
          type: 'string',
          describe: 'rooms the person may join and read, comma-separated: names or prefixes ending in *',
          defaultDescription: 'every room',
        })
        .option('roles', { type: 'string', describe: 'roles, comma-separated (e.g. admin,ops)' })
        .option('ttl', {
          type: 'string',
          default: '1h',
          describe: 'lifetime: seconds, or a number with s, m, h or d (at most 30d)',
        })
        .option('config', { type: 'string', describe: 'config file (JSON or YAML) [env RELAY_CONFIG]' })
        .example(
          `RELAY_AUTH_JWT_SECRET=… $0 token --sub u-42 --name Ann --rooms 'lobby,team-*' --roles admin`,
          '',
        ),
    handler: async (raw: ArgumentsCamelCase) => {
      const argv = raw as ArgumentsCamelCase<TokenArgs>;
      const ttlSec = parseTtl(argv.ttl);
      if (ttlSec === undefined) {
        failCommand(
          context,
          `--ttl ${JSON.stringify(argv.ttl)} is not a lifetime such as 600, 15m, 1h or 7d, up to 30d`,
          2,
        );
        return;
      }
      const { config } = await loadConfig({
        env: context.env,
        cwd: context.cwd,
        ...(argv.config === undefined ? {} : { configFile: argv.config }),
      });
      const { jwtSecret, issuer, audience } = config.auth;
      if (jwtSecret === undefined) {
        failCommand(
          context,
          "no secret to sign with: set RELAY_AUTH_JWT_SECRET (or auth.jwtSecret in the config file) to the relay's; relay token makes HS256 tokens only",
          2,
        );
        return;
      }
      const list = (value: string | undefined) =>
        value === undefined
          ? undefined
          : value
              .split(',')
              .map((item) => item.trim())
              .filter((item) => item !== '');
      const rooms = list(argv.rooms);
      const roles = list(argv.roles);
      // An empty rooms claim grants nothing: every connection with the token would be refused.
      if (rooms?.length === 0) {
        failCommand(
          context,
          'the relay would refuse this token: --rooms names no room; leave it out for every room, or name one',
          2,
        );
        return;
      }
      // The relay's own check of a token's claims, before signing: a token it would refuse at connect
      // (an empty --sub, a room grant with a space) is a usage error here, where the cause is.
      try {
        identityFromClaims(
          {
            sub: argv.sub,
            ...(argv.name === undefined ? {} : { name: argv.name }),
            ...(rooms === undefined ? {} : { rooms }),
            ...(roles === undefined ? {} : { roles }),
            exp: Math.floor(Date.now() / 1000) + ttlSec,
          },
          0,
        );
      } catch (error) {
        const why = (error as RelayError).detail ?? (error as Error).message;
        failCommand(
          context,
          `the relay would refuse this token: ${why.replace(/^claim "(\w+)"/, '--$1')}`,
          2,
        );
        return;
      }
      const token = await signDevToken(jwtSecret, {
        sub: argv.sub,
        ...(argv.name === undefined ? {} : { name: argv.name }),
        ...(rooms === undefined ? {} : { rooms }),
        ...(roles === undefined ? {} : { roles }),
        ttlSec,
        ...(issuer === undefined ? {} : { issuer }),
        ...(audience === undefined ? {} : { audience }),
      });
      context.stdout.write(`${token}\n`);
      context.stderr.write(
        `token for ${argv.sub}, valid until ${new Date(Date.now() + ttlSec * 1000).toISOString()}\n`,
      );
    },
  };
}

function parseTtl(text: string): number | undefined {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  if (!match) return undefined;
  const seconds = Number(match[1]) * (UNITS[match[2] ?? ''] ?? 1);
  return seconds >= 1 && seconds <= MAX_TTL_SEC ? seconds : undefined;
}

import type { Logger } from 'pino';
import type { Authenticator } from '../relay/authenticator.js';
import { EpisodeLog } from '../relay/episode-log.js';
import type { RelayLifecycle } from '../relay/relay-lifecycle.js';
import { type AuthSettings, createJwtAuthenticator, type TokenRefusal } from './create-jwt-authenticator.js';

/**
 * Mounts the `auth` setting: in `jwt` mode, installs the token authenticator on the relay, so that every
 * person's handshake must carry a valid token; in `anonymous` mode, nothing. A refused token is logged
 * once per episode (per client address and failed check; a summary line counts the rest when it
 * ends), never with the token or the key.
 *
 * @example
 * ```ts
 * mountAuth({ authenticateWith: (a) => server.authenticateWith(a), lifecycle: server, logger, settings: config.auth });
 * ```
 */
export function mountAuth(deps: {
  authenticateWith(authenticator: Authenticator): void;
  lifecycle: RelayLifecycle;
  logger: Logger;
  settings: AuthSettings;
}): void {
  const { settings } = deps;
  if (settings.mode !== 'jwt') return;
  const log = deps.logger.child({ part: 'auth' });
  const refusals = new EpisodeLog<{ code: string; check: string }>({
    ended: ({ key, first, count, startedAt, lastAt }) =>
      log.warn(
        {
          code: first.code,
          check: first.check,
          address: key.slice(0, key.lastIndexOf(' ')),
          refused: count,
          durationMs: lastAt - startedAt,
        },
        'token refusals ended',
      ),
  });
  const onRefused = ({ check, error, logDetail }: TokenRefusal, address: string) => {
    if (refusals.note(`${address} ${check}`, { code: error.code, check })) {
      log.warn(
        { code: error.code, check, address, err: logDetail ?? error.detail },
        'connection refused: bad token',
      );
    }
  };
  deps.authenticateWith(createJwtAuthenticator(settings, onRefused));
  deps.lifecycle.onClose(() => refusals.close());
  log.info(
    {
      key:
        settings.jwtSecret !== undefined
          ? 'jwtSecret'
          : settings.jwtPublicKey !== undefined
            ? 'jwtPublicKey'
            : 'jwksUrl',
      ...(settings.issuer === undefined ? {} : { issuer: settings.issuer }),
      ...(settings.audience === undefined ? {} : { audience: settings.audience }),
    },
    'people connect with tokens (auth.mode jwt)',
  );
}

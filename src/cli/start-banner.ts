import { DEFAULT_RELAY_URL } from './cli-context.js';

/** What `relay serve` tells a person once the relay listens. */
export interface StartFacts {
  readonly url: string;
  /** The chat page's URL; undefined when `webPage` is off. */
  readonly chatPage?: string | undefined;
  /** The admin token made up for this run; undefined when `api.tokens` are configured. */
  readonly generatedApiToken?: string | undefined;
  /** The dev relay file written for the commands of this folder, relative to it. */
  readonly devRelayFile?: string | undefined;
}

/**
 * The start banner of `relay serve` in a terminal: where the relay and its chat page are, the API
 * token, and two commands to paste (curl, and `npx relay announce`) that post a first announcement.
 *
 * @example
 * ```ts
 * stdout.write(startBanner({ url: 'http://127.0.0.1:3000', chatPage: 'http://127.0.0.1:3000/' }));
 * ```
 */
export function startBanner(facts: StartFacts): string {
  const { url, chatPage, generatedApiToken: token, devRelayFile } = facts;
  const secret = token ?? '$RELAY_CLIENT_TOKEN';
  // --url only when the relay is not where the CLI looks by default.
  const urlFlag = sameAsDefault(url) ? '' : ` --url ${url}`;
  const rows: Array<[string, string]> = [['URL', url]];
  if (chatPage) rows.push(['chat page', `${chatPage}  (open it in a browser)`]);
  rows.push([
    'API token',
    token
      ? `${token}  (made up for this run; RELAY_API_TOKENS=name:secret:publish chooses your own)`
      : 'from api.tokens (RELAY_API_TOKENS); the CLI reads one secret from RELAY_CLIENT_TOKEN',
  ]);
  rows.push([
    'try it',
    `curl -X POST ${url}/v1/messages -H "Authorization: Bearer ${secret}" -H 'content-type: application/json' -d '{"content":"hello"}'`,
  ]);
  // A secret goes in the environment, never in arguments (`ps` shows those to every user).
  if (devRelayFile) {
    rows.push(['', `npx relay announce hello  (from this folder: ${devRelayFile} has the URL and token)`]);
  } else {
    rows.push([
      '',
      `RELAY_CLIENT_TOKEN=${token ?? '<a secret of api.tokens>'} npx relay announce hello${urlFlag}`,
    ]);
  }
  rows.push(['stop', 'Ctrl-C']);
  const lines = rows.map(([label, text]) => `  ${label.padEnd(10)} ${text}`);
  return `\nRelayKit relay running\n${lines.join('\n')}\n\n`;
}

function sameAsDefault(url: string): boolean {
  const given = new URL(url);
  const fallback = new URL(DEFAULT_RELAY_URL);
  const loopback = (host: string) => host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
  return given.port === fallback.port && loopback(given.hostname) && loopback(fallback.hostname);
}

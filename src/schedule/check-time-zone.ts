/**
 * Checks an IANA time zone name (`Europe/Paris`, `America/New_York`, `UTC`) against the zones this Node.js
 * knows. Returns what is wrong, or `undefined` when the zone is known.
 *
 * @example
 * ```ts
 * checkTimeZone('Europe/Paris'); // undefined
 * checkTimeZone('Mars/Olympus'); // 'unknown time zone "Mars/Olympus" …'
 * ```
 */
export function checkTimeZone(zone: string): string | undefined {
  try {
    // Throws a RangeError for names outside the IANA database node-cron also resolves zones with.
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return undefined;
  } catch {
    return `unknown time zone "${zone}"; use an IANA name such as "Europe/Paris", "America/New_York" or "UTC"`;
  }
}

/**
 * `url` with its user and password (whatever comes before `@` in its authority) shown as `***`, for
 * logs and error messages: a Redis URL's or a webhook's may carry a credential there. Works on text
 * that does not parse as a URL too, as what a user mistyped often does not.
 *
 * @example
 * ```ts
 * hideUserinfo('redis://default:s3cr3t@redis:6379'); // 'redis://***@redis:6379'
 * ```
 */
export function hideUserinfo(url: string): string {
  return url.replace(USERINFO, '$1***@');
}

/**
 * Whether `url` carries a user or password, as {@link hideUserinfo} would hide it.
 *
 * @example
 * ```ts
 * hasUserinfo('https://svc:pw@issuer.example/jwks'); // true
 * ```
 */
export function hasUserinfo(url: string): boolean {
  return USERINFO.test(url);
}

// What comes before `@` in a URL's authority, after its scheme.
const USERINFO = /^([a-z][\w+.-]*:\/\/)[^/?#]*@/i;

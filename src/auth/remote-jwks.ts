import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

/** How a JWKS is fetched and kept; the defaults are jose's own, with a bound on the body too. */
export interface RemoteJwksOptions {
  /** The whole exchange, headers and body: a server that stalls halfway is given up on. */
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
  /** After this, the next token fetches the keys again (and uses the old ones if that fails). */
  readonly maxAgeMs?: number;
  /**
   * At most one fetch this often for an unknown key id, and after a failed fetch, so that made-up ids
   * and a flood of handshakes cannot hammer an issuer, nor each wait for one that is down.
   */
  readonly cooldownMs?: number;
}

/** The JWKS could not be fetched: `detail` says why, for the log (it may name internal hosts). */
export class JwksUnavailableError extends Error {
  readonly code = 'ERR_RELAY_JWKS_UNAVAILABLE';
}

type LocalSet = ReturnType<typeof createLocalJWKSet>;

/**
 * An issuer's JSON Web Key Set fetched over HTTP(S), for `jwtVerify`. Unlike jose 5's
 * `createRemoteJWKSet`, whose timeout ends at the response headers, a fetch here has one deadline for
 * the whole exchange and a size bound, so an issuer that stalls mid-body cannot hold every handshake;
 * keys past `maxAgeMs` serve tokens while fresh ones are fetched (and while that fails), one fetch
 * serves every handshake waiting for it, and a failed fetch is not tried again for `cooldownMs`.
 *
 * @example
 * ```ts
 * const jwks = new RemoteJwks(new URL('https://issuer.example/.well-known/jwks.json'));
 * await jwtVerify(token, jwks.getKey, { algorithms: ['RS256'] });
 * ```
 */
export class RemoteJwks {
  readonly #url: URL;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #maxAgeMs: number;
  readonly #cooldownMs: number;
  #keys: LocalSet | undefined;
  #fetchedAt = 0;
  #triedAt = Number.NEGATIVE_INFINITY;
  #failure: JwksUnavailableError | undefined;
  #failedAt = Number.NEGATIVE_INFINITY;
  #fetching: Promise<void> | undefined;

  constructor(url: URL, options: RemoteJwksOptions = {}) {
    // fetch refuses such a URL, and the credential would be in every log line about it.
    if (url.username !== '' || url.password !== '') {
      throw new TypeError('a JWKS URL must not carry a user or password (the keys are public)');
    }
    this.#url = url;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    this.#maxBytes = options.maxBytes ?? 1024 * 1024;
    this.#maxAgeMs = options.maxAgeMs ?? 10 * 60_000;
    this.#cooldownMs = options.cooldownMs ?? 5000;
  }

  /** The key of a token's header, as `jwtVerify` asks for it. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const failure = this.#recentFailure();
    if (!this.#keys) {
      if (failure) throw failure;
      await this.#refresh();
    } else if (Date.now() - this.#fetchedAt >= this.#maxAgeMs && !failure) {
      // Not awaited: an issuer that stalls must not hold every handshake; the next ones get the new keys.
      this.#refresh().catch(() => undefined);
    }
    const keys = this.#keys as LocalSet;
    try {
      return await keys(header, token);
    } catch (error) {
      // A key id the set lacks: the issuer may have rotated.
      if ((error as { code?: string }).code !== 'ERR_JWKS_NO_MATCHING_KEY') throw error;
      // A fetch under way (keys past their age, another handshake's unknown kid) may bring the key.
      if (this.#fetching !== undefined) {
        await this.#fetching.catch(() => undefined);
        return (this.#keys as LocalSet)(header, token);
      }
      if (Date.now() - this.#triedAt < this.#cooldownMs) throw error;
      await this.#refresh();
      return (this.#keys as LocalSet)(header, token);
    }
  };

  // The last fetch's failure while it is younger than the cooldown, counted from when it failed (a
  // timeout takes as long as the cooldown): no fetch is tried meanwhile.
  #recentFailure(): JwksUnavailableError | undefined {
    return this.#failure !== undefined && Date.now() - this.#failedAt < this.#cooldownMs
      ? this.#failure
      : undefined;
  }

  #refresh(): Promise<void> {
    this.#fetching ??= this.#fetch().finally(() => {
      this.#fetching = undefined;
    });
    return this.#fetching;
  }

  async #fetch(): Promise<void> {
    this.#triedAt = Date.now();
    let set: JSONWebKeySet;
    try {
      const response = await fetch(this.#url, {
        signal: AbortSignal.timeout(this.#timeoutMs),
        headers: { accept: 'application/json' },
        redirect: 'error',
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      set = JSON.parse(await this.#readBody(response)) as JSONWebKeySet;
      if (!Array.isArray(set?.keys)) throw new Error('the answer is not a JWKS: no "keys" array');
      this.#keys = createLocalJWKSet(set);
      this.#fetchedAt = Date.now();
      this.#failure = undefined;
    } catch (error) {
      const why =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${this.#timeoutMs} ms`
          : (error as Error).message;
      this.#failure = new JwksUnavailableError(`${this.#url.href}: ${why}`, { cause: error });
      this.#failedAt = Date.now();
      throw this.#failure;
    }
  }

  async #readBody(response: Response): Promise<string> {
    const reader = response.body?.getReader();
    const chunks: Uint8Array[] = [];
    let bytes = 0;
    for (;;) {
      const read = await reader?.read();
      if (!read || read.done) break;
      bytes += read.value.byteLength;
      if (bytes > this.#maxBytes) {
        await reader?.cancel();
        throw new Error(`the JWKS is over ${this.#maxBytes} bytes`);
      }
      chunks.push(read.value);
    }
    return Buffer.concat(chunks).toString('utf8');
  }
}

import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { RelayError } from '../relay/relay-error.js';
import { guardedLookup, isPrivateAddress, refusedDestination } from './guard-destination.js';
import type { WebhookSignatureHeaders } from './webhook-signature.js';

/** How one delivery attempt ended. */
export type AttemptResult =
  /** A 2xx: delivered. `answer` is the parsed JSON body, `ignored` says why a body was not read as one. */
  | {
      readonly outcome: 'delivered';
      readonly status: number;
      readonly answer?: unknown;
      readonly ignored?: 'garbage' | 'too-large';
    }
  /** Worth trying again: timeout, connection failure, 5xx, 408 or 429. */
  | { readonly outcome: 'retry'; readonly status?: number; readonly error: string }
  /** Trying again cannot help: another 4xx, a redirect, a refused destination. */
  | { readonly outcome: 'permanent'; readonly status?: number; readonly error: string };

/** What an attempt is allowed: its time, the size of the answer it reads, and where it may connect. */
export interface AttemptLimits {
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  readonly allowPrivateNetworks: boolean;
}

/**
 * The keep-alive agents webhook attempts go through, with the private-network guard at connect time
 * unless private networks are allowed. `close()` drops their idle sockets.
 */
export class WebhookAgents {
  readonly http: http.Agent;
  readonly https: https.Agent;

  constructor(allowPrivateNetworks: boolean) {
    const lookup = allowPrivateNetworks ? {} : { lookup: guardedLookup };
    this.http = new http.Agent({ keepAlive: true, ...lookup });
    this.https = new https.Agent({ keepAlive: true, ...lookup });
  }

  close(): void {
    this.http.destroy();
    this.https.destroy();
  }
}

/**
 * POSTs `body` (JSON text) to `url` once, with the signature headers, and classifies the outcome. Never
 * throws and never follows a redirect; the whole exchange, answer included, is bounded by `timeoutMs`,
 * and an answer over `maxResponseBytes` is cut off (the delivery still counts: it was a 2xx).
 */
export function postWebhook(options: {
  readonly url: string;
  readonly body: string;
  readonly headers: WebhookSignatureHeaders;
  readonly limits: AttemptLimits;
  readonly agents: WebhookAgents;
  readonly signal?: AbortSignal;
}): Promise<AttemptResult> {
  const { limits } = options;
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    return Promise.resolve({ outcome: 'permanent', error: `invalid URL ${options.url}` });
  }
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Node does not call `lookup` for an IP literal.
  if (!limits.allowPrivateNetworks && isIP(host) && isPrivateAddress(host)) {
    return Promise.resolve({ outcome: 'permanent', error: refusedDestination(host, host).message });
  }
  const secure = url.protocol === 'https:';
  const transport = secure ? https : http;
  return new Promise((resolve) => {
    let settled = false;
    // `complete`: the answer was read to its end, so the socket may be kept for the next attempt.
    const finish = (result: AttemptResult, complete = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', onAbort);
      if (!complete) request.destroy();
      resolve(result);
    };
    const request = transport.request(url, {
      method: 'POST',
      agent: secure ? options.agents.https : options.agents.http,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'RelayKit-Webhooks',
        ...options.headers,
      },
    });
    const timer = setTimeout(
      () => finish({ outcome: 'retry', error: `no complete answer within ${limits.timeoutMs} ms` }),
      limits.timeoutMs,
    );
    const onAbort = () => finish({ outcome: 'retry', error: 'the relay closed during the attempt' });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    request.on('error', (error) => {
      const cause = error as Error & { code?: string };
      if (cause instanceof RelayError && cause.code === 'RELAY_ERR_WEBHOOK_DESTINATION_REFUSED') {
        finish({ outcome: 'permanent', error: cause.message });
      } else
        finish({ outcome: 'retry', error: cause.code ? `${cause.code}: ${cause.message}` : cause.message });
    });
    request.on('response', (response) => {
      const status = response.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        const error =
          status >= 300 && status < 400
            ? `redirect ${status} (redirects are not followed)`
            : `HTTP ${status}`;
        const retry = status >= 500 || status === 408 || status === 429;
        finish({ outcome: retry ? 'retry' : 'permanent', status, error });
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limits.maxResponseBytes) finish({ outcome: 'delivered', status, ignored: 'too-large' });
        else chunks.push(chunk);
      });
      response.on('error', () => finish({ outcome: 'delivered', status, ignored: 'garbage' }));
      response.on('end', () => finish(delivered(status, Buffer.concat(chunks).toString('utf8')), true));
    });
    request.end(options.body);
  });
}

function delivered(status: number, text: string): AttemptResult {
  if (text.trim() === '') return { outcome: 'delivered', status };
  try {
    return { outcome: 'delivered', status, answer: JSON.parse(text) };
  } catch {
    return { outcome: 'delivered', status, ignored: 'garbage' };
  }
}

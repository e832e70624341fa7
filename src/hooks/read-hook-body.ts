import type { Request, Response } from 'express';
import { MAX_JSON_NESTING, nestsDeeperThan } from '../http/json-nesting.js';
import { refuseBody } from '../http/refuse-large-body.js';
import { RequestFieldError } from '../http/request-field-error.js';
import { RelayError } from '../relay/relay-error.js';

/** A delivery's body as read: its bytes (what a signature covers) and its declared type. */
export interface HookBody {
  readonly raw: Buffer;
  readonly type: string;
}

/**
 * Reads a webhook delivery of at most `limitBytes` (past it: 413 and the connection closed, the rest
 * never read) of a type {@link parseHookBody} reads: JSON, or a form whose `payload` field is JSON
 * (Slack's legacy form, GitHub's form content type). Anything else is a 415. Parsing is left to the
 * caller, so that a signed delivery's signature is checked first: parsing a large body costs ~20 times
 * its HMAC, and anyone who knows a signed hook's public id may post one.
 */
export function readHookBody(req: Request, res: Response, limitBytes: number): Promise<HookBody> {
  return new Promise((resolve, reject) => {
    const type = req.is(['application/json', 'application/*+json', 'application/x-www-form-urlencoded']);
    if (type === null || req.get('content-length') === '0') {
      reject(new RequestFieldError('RELAY_ERR_HOOK_PAYLOAD', 'body', 'the delivery has no body'));
      return;
    }
    if (type === false) {
      reject(
        new RelayError(
          'RELAY_ERR_UNSUPPORTED_MEDIA_TYPE',
          `the body is ${req.get('content-type') ?? 'of no declared type'}, not application/json or a payload= form`,
        ),
      );
      return;
    }
    if ((req.get('content-encoding') ?? 'identity').toLowerCase() !== 'identity') {
      reject(new RelayError('RELAY_ERR_UNSUPPORTED_MEDIA_TYPE', 'webhook bodies are read uncompressed'));
      return;
    }
    const declared = Number(req.get('content-length') ?? 0);
    if (declared > limitBytes) {
      refuseBody(
        req,
        res,
        reject,
        `the body is declared as ${declared} bytes, over the ${limitBytes}-byte limit (hooks.bodyLimitBytes)`,
      );
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limitBytes) {
        chunks.push(chunk);
        return;
      }
      req.off('data', onData).off('end', onEnd);
      chunks.length = 0;
      refuseBody(req, res, reject, `the body is over the ${limitBytes}-byte limit (hooks.bodyLimitBytes)`);
    };
    const onEnd = () => resolve({ raw: Buffer.concat(chunks), type });
    // The sender went away mid-body (Node reports an `aborted` error, then a close): settle, so that
    // nothing waits on a request that will never end.
    const onClose = () => {
      if (!req.complete)
        reject(
          new RequestFieldError(
            'RELAY_ERR_HOOK_PAYLOAD',
            'body',
            'the sender closed the connection mid-body',
          ),
        );
    };
    req.on('data', onData).on('end', onEnd).on('error', onClose).once('close', onClose);
  });
}

/**
 * What a delivery's body says: its JSON (for a form, its `payload` field's). Throws a 400: bad UTF-8 or
 * JSON `RELAY_ERR_MALFORMED_JSON`, no payload field or nesting past the limit `RELAY_ERR_HOOK_PAYLOAD`.
 *
 * @example
 * ```ts
 * const parsed = parseHookBody(await readHookBody(req, res, limitBytes));
 * ```
 */
export function parseHookBody({ raw, type }: HookBody): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new RelayError('RELAY_ERR_MALFORMED_JSON', 'the body is not valid UTF-8');
  }
  if (type === 'application/x-www-form-urlencoded') {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) {
      throw new RequestFieldError(
        'RELAY_ERR_HOOK_PAYLOAD',
        'payload',
        'a form delivery needs a payload= field of JSON',
      );
    }
    text = payload;
  }
  if (nestsDeeperThan(text, MAX_JSON_NESTING)) {
    throw new RequestFieldError(
      'RELAY_ERR_HOOK_PAYLOAD',
      'body',
      `the payload nests objects and arrays deeper than ${MAX_JSON_NESTING} levels`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new RelayError(
      'RELAY_ERR_MALFORMED_JSON',
      `the body is not valid JSON: ${(error as Error).message}`,
    );
  }
}

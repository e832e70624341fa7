import type { Readable, Transform } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { RequestHandler } from 'express';
import { RelayError } from '../relay/relay-error.js';
import { MAX_JSON_NESTING, nestsDeeperThan } from './json-nesting.js';
import { refuseBody, refuseLargeBody } from './refuse-large-body.js';
import { RequestFieldError } from './request-field-error.js';

// The codings body-parser took before, so a client that compressed its body keeps working.
const DECODERS: Readonly<Record<string, () => Transform>> = {
  gzip: createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/**
 * Middleware for routes that take a JSON body: no body is a 400, a body that is not
 * `application/json` a 415, one over `limitBytes` a 413, malformed JSON a 400 (never a 500). The
 * parsed body is `req.body`. A body declared over the limit is refused on its `Content-Length`, one
 * sent in chunks (or compressed) once `limitBytes` bytes have arrived: neither is read further, the
 * connection is closed.
 *
 * @example
 * ```ts
 * api.v1.post('/schedules', requireScope('admin'), ...jsonBody(server.config.api.bodyLimitBytes), handler);
 * ```
 */
export function jsonBody(limitBytes: number): RequestHandler[] {
  const requireJson: RequestHandler = (req, _res, next) => {
    const type = req.is(['application/json', 'application/*+json']);
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(req.get('content-type') ?? '')?.[1];
    // fetch() and curl send `Content-Length: 0` for a POST without a body.
    if (type === null || req.get('content-length') === '0') {
      next(new RequestFieldError('RELAY_ERR_INVALID_REQUEST', 'body', 'the request has no body; send JSON'));
    } else if (type === false || (charset !== undefined && !/^utf-?8$/i.test(charset))) {
      next(
        new RelayError(
          'RELAY_ERR_UNSUPPORTED_MEDIA_TYPE',
          `the body is ${req.get('content-type') ?? 'of no declared type'}, not application/json`,
        ),
      );
    } else {
      next();
    }
  };
  return [refuseLargeBody(limitBytes), requireJson, readJson(limitBytes)];
}

function readJson(limitBytes: number): RequestHandler {
  return (req, res, next) => {
    const coding = (req.get('content-encoding') ?? 'identity').trim().toLowerCase();
    const decoder = coding === 'identity' ? undefined : DECODERS[coding]?.();
    if (coding !== 'identity' && !decoder) {
      next(
        new RelayError(
          'RELAY_ERR_UNSUPPORTED_MEDIA_TYPE',
          `the body's Content-Encoding ${coding} is not one of identity, gzip, deflate, br`,
        ),
      );
      return;
    }
    const source: Readable = decoder ? req.pipe(decoder) : req;
    const chunks: Buffer[] = [];
    let received = 0;
    const stop = () => {
      source.off('data', onData).off('end', onEnd).off('error', onError);
      req.off('close', onClose);
      if (decoder) {
        req.unpipe(decoder);
        // Nothing listens to it any more: an error of its teardown must not become an uncaught one.
        decoder.on('error', () => {});
        decoder.destroy();
      }
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limitBytes) {
        chunks.push(chunk);
        return;
      }
      stop();
      chunks.length = 0;
      refuseBody(req, res, next, `the body is over the ${limitBytes}-byte limit`);
    };
    const onEnd = () => {
      stop();
      try {
        req.body = parseJson(Buffer.concat(chunks));
        next();
      } catch (error) {
        next(error);
      }
    };
    // A decoder's error: its body is not valid gzip (…). Answered unless the client went away mid-body;
    // a request read whole counts as destroyed in Node, yet its client still waits for the answer.
    const onError = (error: Error) => {
      stop();
      if (req.destroyed && !req.complete) return;
      next(
        new RequestFieldError(
          'RELAY_ERR_INVALID_REQUEST',
          'body',
          `the body is not valid ${coding}: ${error.message}`,
        ),
      );
    };
    // The client went away mid-body: nobody is left to answer.
    const onClose = () => {
      if (!req.complete) stop();
    };
    source.on('data', onData).on('end', onEnd).on('error', onError);
    req.on('close', onClose);
  };
}

// Strict, as body-parser's `strict: true` was: an object or an array at the top, in UTF-8.
function parseJson(bytes: Buffer): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new RelayError('RELAY_ERR_MALFORMED_JSON', 'the body is not valid UTF-8');
  }
  const first = /\S/.exec(text)?.[0];
  if (first === undefined) {
    throw new RequestFieldError('RELAY_ERR_INVALID_REQUEST', 'body', 'the request has no body; send JSON');
  }
  if (first !== '{' && first !== '[') {
    throw new RelayError('RELAY_ERR_MALFORMED_JSON', 'the body must be a JSON object or array');
  }
  if (nestsDeeperThan(text, MAX_JSON_NESTING)) {
    throw new RequestFieldError(
      'RELAY_ERR_INVALID_REQUEST',
      'body',
      `the body nests objects and arrays deeper than ${MAX_JSON_NESTING} levels`,
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

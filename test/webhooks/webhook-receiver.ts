// A real HTTP endpoint for webhook tests: it checks each request's Standard Webhooks signature with its own
// code (not RelayKit's), records it, and answers as the test says.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { track } from '../support/cleanup.js';

export const SECRET = `whsec_${Buffer.from('relaykit-test-secret-32-bytes!!!').toString('base64')}`;

export interface ReceivedDelivery {
  readonly id: string;
  readonly timestamp: number;
  readonly signatureValid: boolean;
  readonly body: { content: unknown; meta: Record<string, unknown> };
  readonly raw: string;
  readonly headers: IncomingMessage['headers'];
}

/** Verifies a Standard Webhooks signature the way a receiver would. */
export function verifySignature(secret: string, headers: IncomingMessage['headers'], raw: string): boolean {
  const id = String(headers['webhook-id'] ?? '');
  const timestamp = String(headers['webhook-timestamp'] ?? '');
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${raw}`).digest();
  return String(headers['webhook-signature'] ?? '')
    .split(' ')
    .some((entry) => {
      const [version, signature] = entry.split(',');
      const given = Buffer.from(signature ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

type Answer = (delivery: ReceivedDelivery, response: ServerResponse) => void;

/** Starts the endpoint on 127.0.0.1; `answer` writes each response (default: 204). Closed after the test. */
export async function startReceiver(options: { secret?: string; answer?: Answer } = {}) {
  const received: ReceivedDelivery[] = [];
  const waiters: (() => void)[] = [];
  let answer: Answer = options.answer ?? ((_d, res) => res.writeHead(204).end());
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const delivery: ReceivedDelivery = {
        id: String(req.headers['webhook-id']),
        timestamp: Number(req.headers['webhook-timestamp']),
        signatureValid: verifySignature(options.secret ?? SECRET, req.headers, raw),
        body: JSON.parse(raw),
        raw,
        headers: req.headers,
      };
      received.push(delivery);
      for (const wake of waiters.splice(0)) wake();
      answer(delivery, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  track(server, (s) => {
    s.closeAllConnections();
    return new Promise((resolve) => s.close(() => resolve(undefined)));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    port,
    received,
    setAnswer(next: Answer) {
      answer = next;
    },
    /** Resolves once `count` requests came, failing after `timeoutMs`. */
    async waitFor(count: number, timeoutMs = 5000): Promise<ReceivedDelivery[]> {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        const left = deadline - Date.now();
        if (left <= 0)
          throw new Error(`expected ${count} deliveries within ${timeoutMs} ms, got ${received.length}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, left);
          waiters.push(() => {
            clearTimeout(timer);
            resolve();
          });
        });
      }
      return received.slice(0, count);
    },
  };
}

/** Answers with `body` as JSON. */
export const json =
  (body: unknown, status = 200): Answer =>
  (_delivery, res) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

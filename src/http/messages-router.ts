import { type Request, type Response, Router } from 'express';
import type { MessageMeta } from '../relay/events.js';
import type { Relay } from '../relay/relay.js';
import { RelayError } from '../relay/relay-error.js';
import { authenticatedToken } from './authenticate-bearer.js';
import type { IdempotentRequests } from './idempotent-requests.js';
import { jsonBody } from './json-body.js';
import type { components } from './openapi-types.js';
import type { ApiToken } from './parse-api-tokens.js';
import {
  type CheckedPublishRequest,
  publishRefusalField,
  readPublishRequest,
} from './read-publish-request.js';
import { RequestFieldError } from './request-field-error.js';
import { requireScope } from './require-scope.js';

type PublishAccepted = components['schemas']['PublishAccepted'];
type BatchAccepted = components['schemas']['BatchAccepted'];
type PrivateMessageAccepted = components['schemas']['PrivateMessageAccepted'];

/**
 * `POST /messages` and `POST /messages/batch` (under `/v1`): announcements through the relay's one
 * publish path, as `meta.from = { id: token name, name: token name, kind: 'http' }`. The token's rate
 * limit is taken before (a batch is one request).
 *
 * @example
 * ```ts
 * v1.use(messagesRouter({ relay, idempotent, settings: config }));
 * ```
 */
export function messagesRouter(deps: {
  relay: Relay;
  idempotent: IdempotentRequests;
  settings: { api: { bodyLimitBytes: number; maxBatch: number } };
}): Router {
  const { relay, idempotent } = deps;
  const { bodyLimitBytes, maxBatch } = deps.settings.api;
  const router = Router();

  // Publishes the messages all or nothing (see Relay.publishBatch), which checks their content and room:
  // a refusal names the field it is about. In a cluster, the answer waits until Redis has them.
  const publishAll = (res: Response, messages: readonly CheckedPublishRequest[], batch?: string) => {
    const token = authenticatedToken(res) as ApiToken;
    const from = { id: token.name, name: token.name, kind: 'http' } as const;
    try {
      const batch = relay.publishBatch(
        messages.map((message) => ({
          content: message.content,
          options: {
            from,
            room: message.room as string | null,
            ...(message.exceptSocketId === undefined
              ? {}
              : { delivery: 'others' as const, socketId: message.exceptSocketId }),
          },
        })),
      );
      return { accepted: batch.messages.map(({ meta }) => accepted(meta)), committed: batch.committed };
    } catch (error) {
      const refusal = error as RelayError;
      const field = publishRefusalField(refusal, batch);
      throw field === undefined ? refusal : RequestFieldError.about(field, refusal).markReported();
    }
  };

  const answer = async (
    req: Request,
    res: Response,
    produce: () => { body: unknown; committed: Promise<void> | undefined },
  ) => {
    const token = authenticatedToken(res) as ApiToken;
    const from = { id: token.name, name: token.name, kind: 'http' } as const;
    const result = await idempotent
      .respond(req, res, () => {
        let produced: ReturnType<typeof produce>;
        try {
          produced = produce();
        } catch (error) {
          // A malformed request is a refused publish too: logged and counted where sockets' refusals are.
          if (error instanceof RelayError && !error.reported) relay.reportRejected(error, from);
          throw error;
        }
        const { body, committed } = produced;
        if (committed === undefined) return { status: 202, body };
        // A failed commit was logged and counted by the relay.
        return committed.then(() => ({ status: 202, body }));
      })
      .catch((error: unknown) => {
        // A shared idempotency store that cannot reach Redis refuses like the publish path does: counted,
        // and logged once per outage.
        if (error instanceof RelayError && error.code === 'RELAY_ERR_NOT_READY' && !error.reported) {
          relay.reportRejected(error, from);
        }
        throw error;
      });
    res.status(result.status).json(result.body);
  };

  router.post('/messages', requireScope('publish'), ...jsonBody(bodyLimitBytes), (req, res) =>
    answer(req, res, () => {
      const { accepted, committed } = publishAll(res, [readPublishRequest(req.body, '')]);
      return { body: accepted[0] as PublishAccepted, committed };
    }),
  );

  router.post('/messages/batch', requireScope('publish'), ...jsonBody(bodyLimitBytes), (req, res) =>
    answer(req, res, () => {
      const messages = readBatch(req.body, maxBatch).map((item, index) =>
        readPublishRequest(item, `messages[${index}]`),
      );
      const { accepted, committed } = publishAll(res, messages, 'messages');
      const body: BatchAccepted = { messages: accepted };
      return { body, committed };
    }),
  );

  // A private message: the user's connections only, never kept (see Relay.publish's `to`). 202 whether
  // or not the user is online: knowing would mean asking every node of a cluster per message.
  router.post('/users/:userId/messages', requireScope('publish'), ...jsonBody(bodyLimitBytes), (req, res) =>
    answer(req, res, () => {
      const request = readPrivateMessage(req.body);
      const token = authenticatedToken(res) as ApiToken;
      const to = String(req.params.userId);
      let published: ReturnType<Relay['publish']>;
      try {
        published = relay.publish(request.content, {
          from: { id: token.name, name: token.name, kind: 'http' },
          room: request.room,
          to,
        });
      } catch (error) {
        const refusal = error as RelayError;
        const field = publishRefusalField(refusal);
        throw field === undefined ? refusal : RequestFieldError.about(field, refusal).markReported();
      }
      const body: PrivateMessageAccepted = { ...accepted(published.meta), to };
      return { body, committed: published.committed };
    }),
  );

  return router;
}

function readPrivateMessage(body: unknown): { content: unknown; room: string | null } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new RequestFieldError(
      'RELAY_ERR_INVALID_REQUEST',
      'body',
      'expected a JSON object { content, room? }',
    );
  }
  const extra = Object.keys(body).find((key) => key !== 'content' && key !== 'room');
  if (extra !== undefined) {
    throw new RequestFieldError(
      'RELAY_ERR_INVALID_REQUEST',
      extra,
      'is not a field of a private message (content, room)',
    );
  }
  const { content, room } = body as { content?: unknown; room?: unknown };
  return { content, room: (room ?? null) as string | null };
}

function readBatch(body: unknown, maxBatch: number): unknown[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new RequestFieldError(
      'RELAY_ERR_INVALID_REQUEST',
      'body',
      'expected a JSON object { messages: [...] }',
    );
  }
  const extra = Object.keys(body).find((key) => key !== 'messages');
  if (extra !== undefined) {
    throw new RequestFieldError('RELAY_ERR_INVALID_REQUEST', extra, 'is not a field of a batch (messages)');
  }
  const { messages } = body as { messages?: unknown };
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new RequestFieldError(
      'RELAY_ERR_INVALID_REQUEST',
      'messages',
      'expected a non-empty array of messages',
    );
  }
  if (messages.length > maxBatch) {
    throw new RequestFieldError(
      'RELAY_ERR_INVALID_REQUEST',
      'messages',
      `has ${messages.length} messages, over the api.maxBatch limit of ${maxBatch}`,
    );
  }
  return messages;
}

function accepted(meta: MessageMeta): PublishAccepted {
  return { id: meta.id, room: meta.room, at: meta.at, from: meta.from };
}

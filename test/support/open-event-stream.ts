// Server-Sent Events read with a real fetch stream, for the history's event-stream tests.
import { track } from './cleanup.js';

/** One Server-Sent Event as a reader sees it. */
export interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
}

/**
 * Opens a Server-Sent Events stream with a real fetch (the admin token `ops-s3cr3t` of test/http/api-relay.ts
 * unless `headers` say otherwise) and hands out its events one by one, each within a deadline. Aborted after
 * the test.
 */
export async function openStream(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  track(abort, (a) => a.abort());
  const response = await fetch(url, {
    headers: { authorization: 'Bearer ops-s3cr3t', ...headers },
    signal: abort.signal,
  });
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  const next = async (timeoutMs = 5000): Promise<SseEvent> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const end = buffer.indexOf('\n\n');
      if (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const event: SseEvent = {};
        for (const line of block.split('\n')) {
          const [key, ...rest] = line.split(': ');
          if (key === 'id' || key === 'event' || key === 'data') event[key] = rest.join(': ');
        }
        if (event.data !== undefined || event.event !== undefined) return event;
        continue;
      }
      const chunk = await Promise.race([
        reader.read(),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('no event in time')), Math.max(0, deadline - Date.now())),
        ),
      ]);
      if (chunk.done) throw new Error('stream ended');
      buffer += decoder.decode(chunk.value, { stream: true });
    }
  };
  return { response, next, close: () => abort.abort() };
}

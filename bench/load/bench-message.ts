// What load generators send: a tagged message that carries its send time, so receivers can measure
// latency without any help from the server. Strings (the seed's kind of content) or plain objects.

/** The two kinds of content a workload can send. */
export type ContentKind = 'string' | 'object';

/**
 * Makes a bench message of about `bytes` bytes.
 *
 * @example
 * ```ts
 * benchMessage('string', 'fan', 1, 1700000000000.5, 64); // 'fan|1|1700000000000.5|xxxx…'
 * ```
 */
export function benchMessage(kind: ContentKind, tag: string, seq: number, sentAt: number, bytes: number) {
  const head = `${tag}|${seq}|${sentAt}|`;
  const pad = 'x'.repeat(Math.max(0, bytes - head.length));
  if (kind === 'string') return `${head}${pad}`;
  return { tag, seq, sentAt, text: pad.slice(0, Math.max(0, pad.length - 40)) };
}

/** The send time of a bench message with `tag`, or undefined for anything else (greetings, other tags). */
export function sentAtOf(content: unknown, tag: string): number | undefined {
  if (typeof content === 'string') {
    if (!content.startsWith(tag) || content.charCodeAt(tag.length) !== 124) return undefined;
    const second = content.indexOf('|', tag.length + 1);
    const third = content.indexOf('|', second + 1);
    return Number(content.slice(second + 1, third));
  }
  if (content !== null && typeof content === 'object') {
    const message = content as { tag?: unknown; sentAt?: unknown };
    if (message.tag === tag && typeof message.sentAt === 'number') return message.sentAt;
  }
  return undefined;
}

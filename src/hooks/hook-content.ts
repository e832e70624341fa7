/** One labelled value of an announcement (Slack's attachment fields, an alert's labels). */
export interface HookField {
  readonly title: string;
  readonly value: string;
}

/**
 * An announcement made from a webhook: seed clients show `text`; the chat page also renders the
 * structure (`title` linked to `link` when it is http(s), `fields`, `color`, `status`). Every value is
 * plain text, never markup.
 */
export interface HookContent {
  readonly text: string;
  readonly title?: string;
  readonly link?: string;
  readonly fields?: readonly HookField[];
  readonly color?: string;
  /** `firing`, `resolved`, `ok`, … as the sender says. */
  readonly status?: string;
  /** The format the hook read: `slack`, `alertmanager`, … */
  readonly source: string;
  readonly icon?: string;
}

const MAX_FIELD_CHARS = 500;

/** `value` as at most `max` characters (an ellipsis ends a cut one), for any one text of a payload. */
export function clip(value: string, max = MAX_FIELD_CHARS): string {
  return value.length <= max ? value : `${value.slice(0, max - 1)}…`;
}

/** A link the chat page may follow: an absolute http(s) URL, else nothing. */
export function safeLink(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length > 2048) return undefined;
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** `#rrggbb` (or a Slack colour name) kept as is; anything else dropped. */
export function safeColor(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (/^#?[0-9a-f]{6}$/i.test(value)) return value.startsWith('#') ? value : `#${value}`;
  return ({ good: '#2eb67d', warning: '#ecb22e', danger: '#e01e5a' } as Record<string, string>)[value];
}

const bytesOf = (content: HookContent) => Buffer.byteLength(JSON.stringify(content), 'utf8');

/**
 * The largest announcement that fits in `maxBytes`: `build(shown, hidden)` makes one from the first
 * `shown` of `count` items (the rest summarised as "and N more"); the most items that fit are kept, and
 * when not even one fits, the whole text is cut instead (a single long Slack text is cut, not replaced
 * by "and 1 more"). A big delivery is summarised, never refused for size.
 */
export function fitContent(
  maxBytes: number,
  count: number,
  build: (shown: number, hidden: number) => HookContent,
): HookContent {
  const all = build(count, 0);
  if (bytesOf(all) <= maxBytes) return all;
  let low = 1;
  let high = count - 1;
  let best: HookContent | undefined;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const candidate = build(mid, count - mid);
    if (bytesOf(candidate) <= maxBytes) {
      best = candidate;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  return best ?? shrink(all, maxBytes);
}

// Drops the structure, then cuts the text, until the content fits.
function shrink(content: HookContent, maxBytes: number): HookContent {
  const bare: HookContent = {
    text: content.text,
    source: content.source,
    ...(content.status === undefined ? {} : { status: content.status }),
  };
  let text = content.text;
  while (text.length > 1 && bytesOf({ ...bare, text }) > maxBytes) {
    text = clip(text, Math.floor(text.length * 0.8));
  }
  return { ...bare, text };
}

/** "and 12 more" for `hidden` items left out, or nothing. */
export function moreLine(hidden: number, noun = 'more'): string[] {
  return hidden > 0 ? [`…and ${hidden} ${noun}`] : [];
}

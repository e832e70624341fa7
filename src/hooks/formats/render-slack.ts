import { roomKey } from '../../relay/room-name.js';
import { clip, fitContent, type HookField, moreLine, safeColor, safeLink } from '../hook-content.js';
import { arrayAt, objectAt, payloadError, textAt } from './payload-error.js';
import type { RenderContext, Rendered } from './rendered.js';
import { slackText } from './slack-text.js';

/** True when `body` looks like a Slack-compatible message (`text`, `attachments` or `blocks`). */
export function looksLikeSlack(body: Record<string, unknown>): boolean {
  return 'text' in body || 'attachments' in body || 'blocks' in body;
}

/**
 * A Slack / Mattermost / Discord-compatible incoming-webhook message as one announcement: `text`,
 * `blocks[]` (section, header, context) and legacy `attachments[]` (pretext, title, text, fields;
 * `fallback` when an attachment has nothing else), `username` as the display name, `icon_url` or
 * `icon_emoji`, and `channel` as the room only when the hook allows it.
 */
export function renderSlack(input: unknown, context: RenderContext): Rendered {
  const body = objectAt(input, 'body');
  const lines: string[] = [];
  const text = textAt(body.text, 'text');
  if (text) lines.push(slackText(text));
  arrayAt(body.blocks, 'blocks').forEach((block, index) => {
    lines.push(...blockLines(objectAt(block, `blocks[${index}]`), `blocks[${index}]`));
  });
  const fields: HookField[] = [];
  let title: string | undefined;
  let link: string | undefined;
  let color: string | undefined;
  arrayAt(body.attachments, 'attachments').forEach((item, index) => {
    const at = `attachments[${index}]`;
    const attachment = objectAt(item, at);
    const own: string[] = [];
    for (const key of ['pretext', 'title', 'text'] as const) {
      const value = textAt(attachment[key], `${at}.${key}`);
      if (value) own.push(slackText(value));
    }
    arrayAt(attachment.fields, `${at}.fields`).forEach((field, fieldIndex) => {
      const where = `${at}.fields[${fieldIndex}]`;
      const entry = objectAt(field, where);
      const fieldTitle = textAt(entry.title, `${where}.title`) ?? '';
      const value = slackText(textAt(entry.value, `${where}.value`) ?? '');
      fields.push({ title: clip(fieldTitle, 100), value: clip(value) });
    });
    const fallback = textAt(attachment.fallback, `${at}.fallback`);
    if (own.length === 0 && fallback) own.push(slackText(fallback));
    lines.push(...own);
    title ??= textAt(attachment.title, `${at}.title`);
    link ??= safeLink(attachment.title_link);
    color ??= safeColor(attachment.color);
  });
  if (lines.length === 0 && fields.length === 0) {
    throw payloadError('text', 'no text: give text, blocks or attachments with text');
  }
  const iconUrl = safeLink(body.icon_url);
  const icon = iconUrl ?? textAt(body.icon_emoji, 'icon_emoji');
  const clipped = lines.map((line) => clip(line, 3000));
  const content = fitContent(context.maxContentBytes, clipped.length, (shown, hidden) => ({
    text: [...clipped.slice(0, shown), ...moreLine(hidden, 'more lines')].join('\n') || (title ?? ' '),
    source: 'slack',
    ...(title ? { title: clip(slackText(title), 200) } : {}),
    ...(link ? { link } : {}),
    ...(fields.length > 0 && hidden === 0 ? { fields: fields.slice(0, 20) } : {}),
    ...(color ? { color } : {}),
    ...(icon ? { icon: clip(icon, 300) } : {}),
  }));
  const username = textAt(body.username, 'username');
  const channel = textAt(body.channel, 'channel');
  let room: string | undefined;
  if (channel && context.hook.allowChannel) {
    room = channel.replace(/^#/, '');
    try {
      roomKey(room);
    } catch {
      throw payloadError('channel', `"${clip(channel, 64)}" is not a room name`);
    }
  }
  const name = username ? clip(username.replace(/\p{Cc}/gu, '').trim(), 40) : '';
  return { kind: 'publish', content, ...(room ? { room } : {}), ...(name ? { name } : {}) };
}

function blockLines(block: Record<string, unknown>, at: string): string[] {
  const textOf = (value: unknown, where: string) => {
    if (value === undefined) return undefined;
    const object = objectAt(value, where);
    const text = textAt(object.text, `${where}.text`);
    return text === undefined ? undefined : slackText(text);
  };
  switch (block.type) {
    case 'header':
    case 'section': {
      const lines = [textOf(block.text, `${at}.text`)];
      arrayAt(block.fields, `${at}.fields`).forEach((field, index) => {
        lines.push(textOf(field, `${at}.fields[${index}]`));
      });
      return lines.filter((line): line is string => Boolean(line));
    }
    case 'context':
      return [
        arrayAt(block.elements, `${at}.elements`)
          .map((element, index) => {
            const entry = objectAt(element, `${at}.elements[${index}]`);
            return entry.type === 'image' ? '' : (textAt(entry.text, `${at}.elements[${index}].text`) ?? '');
          })
          .filter(Boolean)
          .map(slackText)
          .join(' '),
      ].filter(Boolean);
    default:
      // Dividers, images, actions: nothing to read.
      return [];
  }
}

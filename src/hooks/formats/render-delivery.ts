import type { HookFormat } from '../hook.js';
import { payloadError } from './payload-error.js';
import { looksLikeAlertGroup, looksLikeGrafana, renderAlertGroup } from './render-alert-group.js';
import { renderGeneric } from './render-generic.js';
import { renderGithub } from './render-github.js';
import { looksLikeSlack, renderSlack } from './render-slack.js';
import type { RenderContext, Rendered } from './rendered.js';

/** The format a delivery is read in: the hook's, or for `auto` the one its headers and body show. */
export function deliveryFormat(
  format: HookFormat,
  body: unknown,
  context: RenderContext,
): Exclude<HookFormat, 'auto'> {
  if (format !== 'auto') return format;
  if (context.header('x-github-event')) return 'github';
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const object = body as Record<string, unknown>;
    if (looksLikeAlertGroup(object) || 'ruleName' in object) {
      return looksLikeGrafana(object) ? 'grafana' : 'alertmanager';
    }
    if (looksLikeSlack(object)) return 'slack';
  }
  throw payloadError(
    'body',
    'the format could not be told: send a Slack-style { text }, an Alertmanager or Grafana alert group, or a GitHub delivery',
  );
}

/** Reads a delivery in `format` (see {@link deliveryFormat}) into what to publish or answer. */
export function renderDelivery(
  format: Exclude<HookFormat, 'auto'>,
  body: unknown,
  context: RenderContext,
): Rendered {
  switch (format) {
    case 'slack':
      return renderSlack(body, context);
    case 'alertmanager':
    case 'grafana':
      return renderAlertGroup(body, context, format);
    case 'github':
      return renderGithub(body, context);
    case 'generic':
      return renderGeneric(body, context);
  }
}

import { clip, fitContent, type HookContent, type HookField, moreLine, safeLink } from '../hook-content.js';
import { arrayAt, labelsAt, objectAt, payloadError, textAt } from './payload-error.js';
import type { RenderContext, Rendered } from './rendered.js';

const COLORS: Readonly<Record<string, string>> = { firing: '#e01e5a', resolved: '#2eb67d' };

interface Alert {
  readonly status: string;
  readonly line: string;
}

/** True when `body` is an alert group (Alertmanager's or Grafana's webhook: an `alerts` array). */
export function looksLikeAlertGroup(body: Record<string, unknown>): boolean {
  return Array.isArray(body.alerts);
}

/** True when an alert group comes from Grafana rather than Alertmanager. */
export function looksLikeGrafana(body: Record<string, unknown>): boolean {
  return 'orgId' in body || 'ruleName' in body || 'evalMatches' in body || body.version === '1';
}

/**
 * An Alertmanager webhook (version 4) or Grafana alerting webhook as one firing/resolved summary of the
 * group: a `[FIRING:3] alertname` title, one line per alert (its summary, or description, or name),
 * firing first; a group too large for the content limit keeps the alerts that fit and ends with
 * "…and 12 more alerts". Grafana's legacy (dashboard alert) body is read too.
 */
export function renderAlertGroup(input: unknown, context: RenderContext, source: string): Rendered {
  const body = objectAt(input, 'body');
  if (!Array.isArray(body.alerts) && source === 'grafana') return renderLegacyGrafana(body, context);
  if (!Array.isArray(body.alerts)) throw payloadError('alerts', 'expected an array of alerts');
  const groupStatus = textAt(body.status, 'status') ?? 'firing';
  const alerts: Alert[] = body.alerts.map((item, index) => readAlert(item, `alerts[${index}]`, groupStatus));
  if (alerts.length === 0) throw payloadError('alerts', 'the group has no alerts');
  const firing = alerts.filter((alert) => alert.status === 'firing');
  const resolved = alerts.filter((alert) => alert.status !== 'firing');
  const ordered = [...firing, ...resolved];
  const truncated = Number(body.truncatedAlerts ?? 0) || 0;
  const groupLabels = labelsAt(body.groupLabels, 'groupLabels');
  const commonLabels = labelsAt(body.commonLabels, 'commonLabels');
  const alertname =
    groupLabels.find(([key]) => key === 'alertname')?.[1] ??
    commonLabels.find(([key]) => key === 'alertname')?.[1] ??
    textAt(body.title, 'title') ??
    'alerts';
  const counts = [
    firing.length > 0 ? `FIRING:${firing.length}` : '',
    resolved.length > 0 ? `RESOLVED:${resolved.length}` : '',
  ].filter(Boolean);
  const others = groupLabels.filter(([key]) => key !== 'alertname');
  const title = clip(
    `[${counts.join(' ')}] ${alertname}${others.length ? ` (${others.map(([k, v]) => `${k}=${v}`).join(', ')})` : ''}`,
    200,
  );
  const commonSummary =
    labelsAt(body.commonAnnotations, 'commonAnnotations').find(([key]) => key === 'summary')?.[1] ??
    textAt(body.message, 'message');
  const fields: HookField[] = groupLabels.slice(0, 10).map(([key, value]) => ({
    title: clip(key, 100),
    value: clip(value),
  }));
  const link = safeLink(body.externalURL);
  const status = firing.length > 0 ? 'firing' : 'resolved';
  return {
    kind: 'publish',
    content: fitContent(
      context.maxContentBytes,
      ordered.length,
      (shown, hidden): HookContent => ({
        text: [
          title,
          ...(commonSummary && ordered.length > 1 ? [clip(commonSummary)] : []),
          ...ordered.slice(0, shown).map((alert) => alert.line),
          ...moreLine(hidden + truncated, 'more alerts'),
        ].join('\n'),
        title,
        source,
        status,
        color: COLORS[status] as string,
        ...(link ? { link } : {}),
        ...(fields.length > 0 ? { fields } : {}),
      }),
    ),
  };
}

function readAlert(item: unknown, at: string, groupStatus: string): Alert {
  const alert = objectAt(item, at);
  const status = textAt(alert.status, `${at}.status`) ?? groupStatus;
  const labels = labelsAt(alert.labels, `${at}.labels`);
  const annotations = labelsAt(alert.annotations, `${at}.annotations`);
  textAt(alert.startsAt, `${at}.startsAt`);
  const find = (entries: Array<[string, string]>, key: string) => entries.find(([k]) => k === key)?.[1];
  const what =
    find(annotations, 'summary') ?? find(annotations, 'description') ?? find(labels, 'alertname') ?? 'alert';
  const where = find(labels, 'instance') ?? find(labels, 'job');
  const value = textAt(alert.valueString, `${at}.valueString`);
  return {
    status,
    line: clip(
      `• ${status}: ${what}${where ? ` (${where})` : ''}${value && status === 'firing' ? ` [${value}]` : ''}`,
      300,
    ),
  };
}

// Grafana's legacy (dashboard) alert notification: { title, ruleName, ruleUrl, state, message, evalMatches }.
function renderLegacyGrafana(body: Record<string, unknown>, context: RenderContext): Rendered {
  // Any other object (an empty one, a Slack body sent to the wrong hook) is not an alert to publish.
  if (textAt(body.state, 'state') === undefined && textAt(body.ruleName, 'ruleName') === undefined) {
    throw payloadError('alerts', 'expected an array of alerts, or a legacy Grafana alert (state, ruleName)');
  }
  const state = textAt(body.state, 'state') ?? 'alerting';
  const title = clip(
    textAt(body.title, 'title') ?? textAt(body.ruleName, 'ruleName') ?? 'Grafana alert',
    200,
  );
  const message = textAt(body.message, 'message');
  const matches = arrayAt(body.evalMatches, 'evalMatches').map((item, index) => {
    const match = objectAt(item, `evalMatches[${index}]`);
    return clip(
      `• ${textAt(match.metric, `evalMatches[${index}].metric`) ?? '?'}: ${textAt(match.value, `evalMatches[${index}].value`) ?? ''}`,
      300,
    );
  });
  const status = state === 'ok' ? 'resolved' : 'firing';
  const link = safeLink(body.ruleUrl);
  return {
    kind: 'publish',
    content: fitContent(context.maxContentBytes, matches.length, (shown, hidden) => ({
      text: [
        title,
        ...(message ? [clip(message)] : []),
        ...matches.slice(0, shown),
        ...moreLine(hidden),
      ].join('\n'),
      title,
      source: 'grafana',
      status,
      color: COLORS[status] as string,
      ...(link ? { link } : {}),
    })),
  };
}

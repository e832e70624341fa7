/**
 * Slack's message markup as plain text: `<url|label>` becomes `label (url)`, `<url>` the URL, mentions
 * their label, and the three escapes Slack requires (`&amp;`, `&lt;`, `&gt;`) their characters. What
 * is left is text: the chat page shows it as text, never as HTML.
 */
export function slackText(value: string): string {
  return value
    .replace(/<([^<>|]+)\|([^<>]+)>/g, (_all, target: string, label: string) =>
      /^https?:/i.test(target) ? `${label} (${target})` : label,
    )
    .replace(/<([^<>]+)>/g, (_all, target: string) => target.replace(/^[!@#]/, ''))
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

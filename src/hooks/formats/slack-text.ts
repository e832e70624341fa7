// Slack's `<…>` references: links (`<https://…|label>`, `<mailto:…>`) and mentions (`<@U1>`, `<#C1|ops>`,
// `<!here>`). Anything else between angle brackets (`<script>`) is text and is left as sent.
const REFERENCE = /<((?:https?:|mailto:)[^<>|\s]+|[@#!][^<>|\s]+)(?:\|([^<>]+))?>/gi;

/**
 * Slack's message markup as plain text: `<url|label>` becomes `label (url)`, `<url>` the URL, mentions
 * their label, and the three escapes Slack requires (`&amp;`, `&lt;`, `&gt;`) their characters. What
 * is left is text: the chat page shows it as text, never as HTML.
 */
export function slackText(value: string): string {
  return value
    .replace(REFERENCE, (_all, target: string, label: string | undefined) => {
      if (/^https?:/i.test(target)) return label ? `${label} (${target})` : target;
      if (/^mailto:/i.test(target)) return label ?? target.slice('mailto:'.length);
      return label ?? target.slice(1);
    })
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}

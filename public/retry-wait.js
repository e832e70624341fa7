// How long the page waits before asking the relay again after a refusal that passes (the socket's rate
// limit, the relay's outage): the error's retryAfterMs or a growing wait, up to RETRIES times.

const TRANSIENT = new Set(['RELAY_ERR_RATE_LIMITED', 'RELAY_ERR_NOT_READY']);
const RETRIES = 10;

/**
 * The wait (ms) before attempt `attempt + 1` of a request whose ack answered `error` (no answer in
 * time) or `answer` (a refusal), or null when asking again would not help.
 */
export function retryWait(error, answer, attempt) {
  if (attempt >= RETRIES) return null;
  if (!error && !TRANSIENT.has(answer.error.code)) return null;
  const hinted = error ? 0 : (answer.error.retryAfterMs ?? 0);
  return Math.min(30_000, Math.max(hinted, 100 * 2 ** attempt));
}

import type { Relay } from '../relay/relay.js';
import { RelayError } from '../relay/relay-error.js';
import type { JobRun, RunReason } from './job-run.js';
import type { ScheduledJob } from './scheduled-job.js';

/**
 * Runs a job once: publishes its content through `relay.publish` as `{ kind: 'schedule', name: job.id }`,
 * or calls its handler. Never rejects: a refused publish (in a cluster, also one Redis did not take) or a
 * throwing handler is a failed run, recorded with the error's code (`RELAY_ERR_SCHEDULE_RUN_FAILED` for a handler's own errors).
 *
 * @example
 * ```ts
 * const run = await runJob(job, 'manual', null, server.relay); // { outcome: 'ok', messageId, … }
 * ```
 */
export async function runJob(
  job: ScheduledJob,
  reason: RunReason,
  slot: Date | null,
  relay: Pick<Relay, 'publish'>,
): Promise<JobRun> {
  const startedAt = new Date();
  const from = { id: job.id, name: job.id, kind: 'schedule' } as const;
  let messageId: string | undefined;
  let failure: RelayError | undefined;
  // In a cluster a message is out once Redis has it: a run is ok once all of its messages are.
  const commits: Promise<void>[] = [];
  const publish = (content: unknown, room: string | null) => {
    const published = relay.publish(content, { from, room });
    messageId = published.id;
    if (published.committed) commits.push(published.committed);
    return published.id;
  };
  try {
    if (job.handler) {
      await job.handler({
        jobId: job.id,
        reason,
        scheduledFor: slot,
        publish: (content, options = {}) => ({ id: publish(content, options.room ?? null) }),
      });
    } else {
      publish(job.content, job.room ?? null);
    }
    if (commits.length > 0) await Promise.all(commits);
  } catch (error) {
    failure =
      error instanceof RelayError
        ? error
        : new RelayError(
            'RELAY_ERR_SCHEDULE_RUN_FAILED',
            `job "${job.id}": ${(error as Error)?.message ?? error}`,
            {
              cause: error,
            },
          );
  }
  return {
    jobId: job.id,
    reason,
    scheduledFor: slot?.toISOString() ?? null,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    outcome: failure ? 'failed' : 'ok',
    ...(messageId ? { messageId } : {}),
    ...(failure ? { error: { code: failure.code, message: failure.message } } : {}),
  };
}

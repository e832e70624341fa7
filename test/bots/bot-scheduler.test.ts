// cronBotScheduler: where `bot.every` jobs run in a bot host outside a relay (`relay bots`), on node-cron.
import { describe, expect, it, vi } from 'vitest';
import { cronBotScheduler } from '../../src/bots/bot-scheduler.js';
import { track } from '../support/cleanup.js';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('cronBotScheduler', () => {
  it('refuses an invalid cron expression, naming the job', () => {
    expect(() => cronBotScheduler.schedule('digest:daily', '0 61 * * *', async () => {})).toThrow(
      expect.objectContaining({
        code: 'RELAY_ERR_PLUGIN_LOAD_FAILED',
        detail:
          'job "digest:daily" has an invalid cron expression "0 61 * * *": hours field: 61 is a invalid expression for hour',
      }),
    );
  });

  it('runs a job on its schedule, never stacks a slow run on itself, and stops for good', async () => {
    // A slow job and a quick one, side by side, each a second apart.
    let slowRuns = 0;
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    const slow = track(
      cronBotScheduler.schedule('test:slow', '* * * * * *', async () => {
        slowRuns += 1;
        await released;
      }),
      (job) => job.stop(),
    );
    let quickRuns = 0;
    const quick = track(
      cronBotScheduler.schedule('test:quick', '* * * * * *', async () => {
        quickRuns += 1;
      }),
      (job) => job.stop(),
    );
    await vi.waitUntil(() => slowRuns === 1 && quickRuns >= 1, { timeout: 3000, interval: 10 });
    quick.stop();
    const quickAtStop = quickRuns;
    // Quiet window past the next slot: the slow run is still going, so no second one; the quick job is stopped.
    await pause(1200);
    expect(slowRuns).toBe(1);
    expect(quickRuns).toBe(quickAtStop);
    release();
    slow.stop();
  });
});

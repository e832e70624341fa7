import { type BotTestbed, type BotTestbedOptions, createBotTestbed } from '../../src/index.js';
import { track } from '../support/cleanup.js';

/** A bot testbed closed after the test. */
export async function startTestbed(options: BotTestbedOptions): Promise<BotTestbed> {
  return track(await createBotTestbed(options), (testbed) => testbed.close());
}

/** Resolves after `ms` milliseconds: long enough for a message that would have been sent to arrive. */
export const settle = (ms = 300) => new Promise((resolve) => setTimeout(resolve, ms));

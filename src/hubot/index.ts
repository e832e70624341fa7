/// <reference path="../../types/hubot.d.ts" preserve="true" />
// The types of the `hubot` package, which ships none: types/ is in the package, so a project that
// imports relaykit/hubot gets them too (tsc keeps a reference marked preserve).
/**
 * RelayKit's Hubot adapter (`relaykit/hubot`): the real Hubot `Robot` and community `hubot-*` scripts
 * against a relay. Needs the `hubot` package (an optional peer dependency). Its default export is the
 * adapter as Hubot's own command line loads it: `hubot -a relaykit/hubot`.
 * @packageDocumentation
 */
import { useFromHubotCli } from './hubot-cli-adapter.js';

export { openHubotBrainRedis } from './hubot-brain-redis.js';
export { type HubotBrainStore, openHubotBrainFile } from './hubot-brain-store.js';
export { useFromHubotCli } from './hubot-cli-adapter.js';
export { RelayAdapter, type RelayAdapterOptions } from './relay-adapter.js';
export { type RunningHubot, type StartHubotOptions, startHubot } from './start-hubot.js';

// biome-ignore lint/style/noDefaultExport: Hubot loads an adapter package as `(await import(name)).default.use(robot)`.
export default { use: useFromHubotCli };

import { defineConfig } from 'vitest/config';

export default defineConfig({
  // `relaykit` imports (plugins, sub-path exports) resolve to the TypeScript sources, as under bin/relay.js.
  resolve: { conditions: ['relaykit-source'] },
  ssr: { resolve: { conditions: ['relaykit-source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests open real sockets and servers; two cores, so keep parallelism modest.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 15_000,
    hookTimeout: 20_000,
    // The JSON report feeds the "N passed, N failed" line of .ci/run.
    reporters: ['default', 'json'],
    outputFile: { json: 'test-results/vitest.json' },
  },
});

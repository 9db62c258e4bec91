import { defineConfig } from 'vitest/config';

// The Node suite: the app through app.request() and over real HTTP, PGlite by
// default, the real Postgres when DATABASE_URL is set. The workerd suite is
// vitest.workers.config.ts.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    exclude: ['test/worker/**', 'node_modules/**'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    // CI also writes a JSON summary that .ci/run totals into one closing line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: `.data/ci/vitest-node-${process.env.CI_RUN_LABEL ?? 'run'}.json` }]] : ['default'],
    hookTimeout: 60_000,
    pool: 'forks',
  },
});

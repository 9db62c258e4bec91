import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

// The workerd suite: the Worker build (src/worker.ts) runs inside workerd via
// @cloudflare/vitest-pool-workers, against a real Postgres and the emulator
// (both started by test/worker/global-setup.ts in Node). DATABASE_URL points at
// a counting proxy in front of that database (test/support/pg-counter.ts).
export default defineConfig({
  plugins: [
    cloudflareTest(({ inject }) => ({
      main: './src/worker.ts',
      wrangler: { configPath: './wrangler.toml' },
      miniflare: {
        bindings: {
          PLAID_ENV: 'emulator',
          DATABASE_URL: inject('workerDatabaseUrl'),
          PLAID_BASE_URL: inject('emulatorUrl'),
          GATEWAY_ADMIN_KEY: inject('adminKey'),
          GATEWAY_ENCRYPTION_KEY: inject('encryptionKey'),
          LOG_LEVEL: 'warn',
          TEST_ADMIN_KEY: inject('adminKey'),
          TEST_EMULATOR_URL: inject('emulatorUrl'),
          TEST_STATEMENT_COUNTER_URL: inject('statementCounterUrl'),
          // Plaid (the emulator) sends the Worker's webhooks to the relay; the test hands them on.
          GATEWAY_PUBLIC_URL: `${inject('relayUrl')}/gw`,
          WEBHOOK_ALLOW_LOOPBACK: 'true',
          WEBHOOK_RETRY_BASE_MS: '1',
          TEST_RELAY_URL: inject('relayUrl'),
        },
      },
    })),
  ],
  test: {
    include: ['test/worker/**/*.test.ts'],
    globalSetup: ['test/worker/global-setup.ts'],
    // One file at a time: every file's Worker shares the one counting proxy, and
    // statement-count.test.ts must see only its own calls in its window.
    fileParallelism: false,
    testTimeout: 30_000,
    // CI also writes a JSON summary that .ci/run totals into one closing line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: `.data/ci/vitest-worker-${process.env.CI_RUN_LABEL ?? 'run'}.json` }]] : ['default'],
    hookTimeout: 60_000,
  },
});

import { createAuditWriter } from '../audit/postgres-writer';
import type { GatewayConfig } from '../config';
import type { AppDeps, Logger } from '../context';
import type { DatabaseHandle } from '../db/database';
import { openPglite } from '../db/pglite';
import { openPostgres } from '../db/postgres';
import { runMigrations } from '../db/migrate';
import { createLogger } from '../lib/logger';
import { createNodeUpstream } from '../upstream/node';
import { createPostgresRateLimiter } from '../ratelimit/postgres-limiter';
import { Keyring } from '../tenancy/crypto';

/** Opens the configured database (Postgres when DATABASE_URL is set, else PGlite) and migrates it. */
export async function openNodeDatabase(config: GatewayConfig): Promise<DatabaseHandle> {
  const handle = config.databaseUrl
    ? openPostgres(config.databaseUrl, { max: 10 })
    : await openPglite(config.pgliteDataDir);
  await runMigrations(handle);
  return handle;
}

/** Everything the app needs in a Node process. */
export function buildNodeDeps(
  config: GatewayConfig,
  handle: DatabaseHandle,
  overrides: Partial<AppDeps> = {},
): AppDeps {
  const log: Logger = overrides.log ?? createLogger(config.logLevel);
  if (!config.plaidBaseUrl) throw new Error('plaidBaseUrl is not set (start the emulator or set PLAID_BASE_URL)');
  return {
    config,
    db: handle.db,
    clock: () => new Date(),
    upstream: overrides.upstream ?? createNodeUpstream({ baseUrl: config.plaidBaseUrl, timeoutMs: config.upstreamTimeoutMs, log }),
    audit: createAuditWriter(handle.db),
    rateLimiter: createPostgresRateLimiter(handle.db, { clock: overrides.clock, log }),
    keyring: new Keyring(config.encryptionKeys),
    log,
    ...overrides,
  };
}


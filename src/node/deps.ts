import { startIntentSweeper } from '../audit/intents';
import { createAuditWriter } from '../audit/postgres-writer';
import type { AuditSink } from '../audit/writer';
import { parseEnv, type GatewayConfig } from '../config';
import type { AppDeps, Logger } from '../context';
import type { DatabaseHandle } from '../db/database';
import { openPglite } from '../db/pglite';
import { openPostgres } from '../db/postgres';
import { runMigrations } from '../db/migrate';
import { createLogger } from '../lib/logger';
import { createPrometheusMetrics } from '../metrics/prometheus';
import { createNodeUpstream } from '../upstream/node';
import { createAdmissions } from '../tenancy/admission';
import { Keyring } from '../tenancy/crypto';
import { startDeliveryLoop } from '../webhooks/node-dispatch';
import { GatewaySigningKeys } from '../webhooks/gateway-keys';
import { VerificationKeyCache } from '../webhooks/verification';

/** Opens the configured database (Postgres when DATABASE_URL is set, else PGlite) and migrates it. */
export async function openNodeDatabase(
  target: Pick<GatewayConfig, 'databaseUrl' | 'pgliteDataDir'>,
): Promise<DatabaseHandle> {
  const handle = target.databaseUrl
    ? openPostgres(target.databaseUrl, { max: 10 })
    : await openPglite(target.pgliteDataDir);
  await runMigrations(handle);
  return handle;
}

/**
 * Opens the database named by the environment alone (DATABASE_URL or
 * PGLITE_DATA_DIR): for commands that need no keys (db migrate, audit verify/export).
 */
export function openDatabaseFromEnv(raw: Record<string, unknown> = process.env): Promise<DatabaseHandle> {
  const env = parseEnv(raw);
  return openNodeDatabase({ databaseUrl: env.DATABASE_URL, pgliteDataDir: env.PGLITE_DATA_DIR });
}

/** Everything the app needs in a Node process. */
export function buildNodeDeps(
  config: GatewayConfig,
  handle: DatabaseHandle,
  overrides: Partial<AppDeps> = {},
): AppDeps {
  const log: Logger = overrides.log ?? createLogger(config.logLevel);
  if (!config.plaidBaseUrl) throw new Error('plaidBaseUrl is not set (start the emulator or set PLAID_BASE_URL)');
  // Served at GET /metrics (src/metrics/); `metrics: undefined` in overrides turns them off.
  const metrics = 'metrics' in overrides ? overrides.metrics : createPrometheusMetrics();
  const upstream =
    overrides.upstream ??
    createNodeUpstream({ baseUrl: config.plaidBaseUrl, timeoutMs: config.upstreamTimeoutMs, log, metrics });
  const deps: AppDeps = {
    config,
    db: handle.db,
    clock: () => new Date(),
    upstream,
    audit: withIntentSweep(config, handle, createAuditWriter(handle.db, { timeoutMs: config.databaseTimeoutMs, metrics }), log),
    admissions: createAdmissions(handle.db, { batch: true, timeoutMs: config.databaseTimeoutMs, log }),
    keyring: new Keyring(config.encryptionKeys),
    webhooks: undefined as unknown as AppDeps['webhooks'],
    log,
    metrics,
    ...overrides,
  };
  if (!overrides.webhooks) {
    const loop = startDeliveryLoop(() => deps, { pollMs: config.webhooks.pollMs, log });
    deps.webhooks = {
      keys: new VerificationKeyCache(deps.upstream),
      signer: new GatewaySigningKeys(),
      notify: loop.notify,
      close: loop.close,
    };
  }
  return deps;
}


/**
 * The audit writer, with the sweep that folds intents left without an outcome
 * running beside it (every AUDIT_INTENT_SWEEP_MS; stopped when the writer closes).
 */
function withIntentSweep(config: GatewayConfig, handle: DatabaseHandle, audit: AuditSink, log: Logger): AuditSink {
  if (config.intentSweepMs <= 0) return audit;
  const stop = startIntentSweeper(handle.db, audit, { graceMs: config.intentGraceMs, intervalMs: config.intentSweepMs, log });
  return {
    append: (record) => audit.append(record),
    close: async () => {
      stop();
      await audit.close();
    },
  };
}

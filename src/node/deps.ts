import { startIntentSweeper } from '../audit/intents';
import type { AuditSink } from '../audit/writer';
import { parseEnv, type GatewayConfig } from '../config';
import type { AppDeps } from '../context';
import type { DatabaseHandle } from '../db/database';
import { openPglite } from '../db/pglite';
import { openPostgres } from '../db/postgres';
import { runMigrations } from '../db/migrate';
import { assembleDeps, longLivedParts } from '../deps';
import { createLogger, type Logger } from '../lib/logger';
import { createPrometheusMetrics } from '../metrics/prometheus';
import { createNodeUpstream } from '../upstream/node';
import { startDeliveryLoop } from '../webhooks/node-dispatch';

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

/**
 * Everything the app needs in a Node process, through the shared assembly
 * (src/deps.ts). What is Node's own: the pooled database handle the caller
 * opened, group commit, the undici upstream, Prometheus metrics, the intent
 * sweeper beside the audit writer and the in-process webhook delivery loop.
 */
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
  return assembleDeps({
    config,
    db: handle.db,
    log,
    longLived: longLivedParts(config, upstream),
    groupCommit: true,
    metrics,
    wrapAudit: (writer) => withIntentSweep(config, handle, writer, log),
    delivery: (deps) => startDeliveryLoop(() => deps, { pollMs: config.webhooks.pollMs, log }),
    overrides,
  });
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

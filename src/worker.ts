/**
 * Cloudflare Workers entry. The app is built once per isolate; the database
 * handle is opened per request (a Workers socket cannot outlive its request),
 * through Hyperdrive when the HYPERDRIVE binding exists, else DATABASE_URL.
 * Migrations are not run here: `npm run db:migrate` against the database first.
 * No metrics (AppDeps.metrics stays absent, GET /metrics answers NOT_FOUND): an
 * isolate's counters are neither shared nor long-lived, so there is nothing to scrape.
 */
import type { Context } from 'hono';
import { createApp } from './app';
import { foldStaleIntents } from './audit/intents';
import { createAuditWriter } from './audit/postgres-writer';
import { buildConfig, type GatewayConfig, parseEnv } from './config';
import type { AppDeps, AppEnv } from './context';
import { openPostgres } from './db/postgres';
import { assembleDeps, type LongLivedParts, longLivedParts } from './deps';
import { createLogger } from './lib/logger';
import { createHttpUpstream } from './upstream/http';
import { drainDeliveries, fetchTransport } from './webhooks/delivery';

interface WorkerBindings {
  HYPERDRIVE?: { connectionString: string };
  [name: string]: unknown;
}

let config: GatewayConfig | undefined;
/** The upstream, keyring and webhook key caches, built once per isolate. */
let longLived: LongLivedParts | undefined;

function configFrom(env: WorkerBindings): GatewayConfig {
  if (config) return config;
  const parsed = buildConfig(parseEnv(env as Record<string, unknown>));
  if (!parsed.plaidBaseUrl) {
    throw new Error('PLAID_BASE_URL must be set on Workers when PLAID_ENV=emulator (run `npm run emulator`)');
  }
  if (!env.HYPERDRIVE && !parsed.databaseUrl) throw new Error('set a HYPERDRIVE binding or DATABASE_URL');
  config = parsed;
  return parsed;
}

function depsFor(c: Context<AppEnv>): AppDeps {
  return workerDeps(c.env as WorkerBindings, (work) => c.executionCtx.waitUntil(work));
}

/**
 * The app's dependencies for one request or cron run, through the shared
 * assembly (src/deps.ts). What is the Worker's own: a database connection per
 * invocation, no group commit (the connection serves this request alone, so
 * there is nothing to batch with), the fetch upstream, no metrics, and webhook
 * delivery after the response within the same invocation (waitUntil); what
 * that misses (a failure, a retry falling due) the Cron Trigger drains.
 */
function workerDeps(env: WorkerBindings, waitUntil: (work: Promise<unknown>) => void): AppDeps {
  const cfg = configFrom(env);
  const log = createLogger(cfg.logLevel);
  longLived ??= longLivedParts(cfg, createHttpUpstream({ baseUrl: cfg.plaidBaseUrl!, timeoutMs: cfg.upstreamTimeoutMs }));
  return assembleDeps({
    config: cfg,
    db: openWorkerDatabase(env, cfg).db,
    log,
    longLived,
    groupCommit: false,
    delivery: (deps) => ({
      notify: () => waitUntil(drainDeliveries(deps, fetchTransport()).catch((err) => logDrainFailure(log, err))),
      close: async () => {},
    }),
  });
}

function logDrainFailure(log: AppDeps['log'], err: unknown) {
  log.error('webhook delivery failed', { error: err instanceof Error ? err.name : 'unknown' });
}

/**
 * One connection per request (or cron run); Hyperdrive keeps the real pool.
 * Never sql.end() here: inside workerd it raises "Stream was cancelled"
 * (porsager/postgres#1202).
 */
function openWorkerDatabase(env: WorkerBindings, cfg: GatewayConfig) {
  return openPostgres(env.HYPERDRIVE?.connectionString ?? cfg.databaseUrl!, { max: 1, prepare: false, fetchTypes: false });
}

const app = createApp(depsFor);

/**
 * Cron Trigger (wrangler.toml): folds audit intents whose outcome never came
 * (a request killed between Plaid's answer and the audit commit) into the
 * chain, as the Node server's timer does (see src/audit/intents.ts), and
 * delivers the webhooks that are due (retries, and any a request's waitUntil
 * did not finish), as the Node server's delivery loop does.
 */
async function scheduled(_event: unknown, env: WorkerBindings, ctx: { waitUntil(p: Promise<unknown>): void }) {
  const deps = workerDeps(env, (work) => ctx.waitUntil(work));
  // Group commit: the folded records go in as few statements as possible.
  const audit = createAuditWriter(deps.db, { timeoutMs: deps.config.databaseTimeoutMs });
  ctx.waitUntil(foldStaleIntents(deps.db, audit, { graceMs: deps.config.intentGraceMs }));
  ctx.waitUntil(drainAll(deps));
}

/** Drains due deliveries batch by batch, within the cron run's time. */
async function drainAll(deps: AppDeps): Promise<void> {
  const transport = fetchTransport();
  for (let batch = 0; batch < 10; batch++) {
    const result = await drainDeliveries(deps, transport).catch((err) => {
      logDrainFailure(deps.log, err);
      return { attempted: 0 };
    });
    if (result.attempted === 0) return;
  }
}

export default {
  fetch: app.fetch,
  scheduled,
};

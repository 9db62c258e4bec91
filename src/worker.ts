/**
 * Cloudflare Workers entry. The app is built once per isolate; the database
 * handle is opened per request (a Workers socket cannot outlive its request),
 * through Hyperdrive when the HYPERDRIVE binding exists, else DATABASE_URL.
 * Migrations are not run here: `npm run db:migrate` against the database first.
 */
import type { Context } from 'hono';
import { createApp } from './app';
import { foldStaleIntents } from './audit/intents';
import { createAuditWriter } from './audit/postgres-writer';
import { buildConfig, type GatewayConfig, parseEnv } from './config';
import type { AppDeps, AppEnv } from './context';
import { openPostgres } from './db/postgres';
import { createLogger } from './lib/logger';
import { createHttpUpstream } from './upstream/http';
import { createAdmissions } from './tenancy/admission';
import { Keyring } from './tenancy/crypto';

interface WorkerBindings {
  HYPERDRIVE?: { connectionString: string };
  [name: string]: unknown;
}

let config: GatewayConfig | undefined;
let keyring: Keyring | undefined;
let upstream: ReturnType<typeof createHttpUpstream> | undefined;

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
  const env = c.env as WorkerBindings;
  const cfg = configFrom(env);
  const handle = openWorkerDatabase(env, cfg);
  return {
    config: cfg,
    db: handle.db,
    clock: () => new Date(),
    upstream: (upstream ??= createHttpUpstream({ baseUrl: cfg.plaidBaseUrl!, timeoutMs: cfg.upstreamTimeoutMs })),
    audit: createAuditWriter(handle.db, { groupCommit: false, timeoutMs: cfg.databaseTimeoutMs }),
    admissions: createAdmissions(handle.db, { batch: false, timeoutMs: cfg.databaseTimeoutMs }),
    keyring: (keyring ??= new Keyring(cfg.encryptionKeys)),
    log: createLogger(cfg.logLevel),
  };
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
 * chain, as the Node server's timer does. See src/audit/intents.ts.
 */
async function scheduled(_event: unknown, env: WorkerBindings, ctx: { waitUntil(p: Promise<unknown>): void }) {
  const cfg = configFrom(env);
  const handle = openWorkerDatabase(env, cfg);
  // Group commit: the folded records go in as few statements as possible.
  const audit = createAuditWriter(handle.db, { timeoutMs: cfg.databaseTimeoutMs });
  ctx.waitUntil(foldStaleIntents(handle.db, audit, { graceMs: cfg.intentGraceMs }));
}

export default {
  fetch: app.fetch,
  scheduled,
};

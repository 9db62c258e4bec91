/**
 * The one assembly of AppDeps, shared by the Node entry (src/node/deps.ts) and
 * the Worker entry (src/worker.ts): a new dependency is added here, once.
 *
 * What truly differs between the two runtimes comes in as arguments, chosen at
 * each entry where it can be read next to its reason: the database handle
 * (Node: a pool per process; Workers: one connection per request), group commit
 * (Node only), the upstream transport, metrics (Node only), what runs beside
 * the audit writer (Node: the intent sweeper; Workers: the Cron Trigger) and
 * how queued webhooks are delivered (Node: a delivery loop; Workers: a drain
 * after the response).
 */
import { createAuditWriter } from './audit/postgres-writer';
import type { AuditSink } from './audit/writer';
import type { GatewayConfig } from './config';
import type { AppDeps, WebhookRuntime } from './context';
import type { Database } from './db/database';
import type { Logger } from './lib/logger';
import type { GatewayMetrics } from './metrics';
import { createAdmissions } from './tenancy/admission';
import { Keyring } from './tenancy/crypto';
import type { PlaidUpstream } from './upstream/client';
import { GatewaySigningKeys } from './webhooks/gateway-keys';
import { VerificationKeyCache } from './webhooks/verification';

/**
 * The parts that outlive a request: built once per process on Node and once
 * per isolate on Workers, so the caches they hold (Plaid's verification keys,
 * the gateway's signing key, the upstream's connections) are reused.
 */
export interface LongLivedParts {
  upstream: PlaidUpstream;
  keyring: Keyring;
  verificationKeys: VerificationKeyCache;
  signingKeys: GatewaySigningKeys;
}

export function longLivedParts(config: GatewayConfig, upstream: PlaidUpstream): LongLivedParts {
  return {
    upstream,
    keyring: new Keyring(config.encryptionKeys),
    verificationKeys: new VerificationKeyCache(upstream),
    signingKeys: new GatewaySigningKeys(),
  };
}

export interface DepsParts {
  config: GatewayConfig;
  db: Database;
  log: Logger;
  longLived: LongLivedParts;
  /**
   * Batch concurrent audit appends and admissions into one statement each
   * (src/lib/batcher.ts). Only worth it where many requests share a process
   * and its connections (Node); on Workers each request has its own.
   */
  groupCommit: boolean;
  /** Absent: no metrics are recorded and GET /metrics answers NOT_FOUND. */
  metrics?: GatewayMetrics;
  /** Wraps the audit writer, e.g. to run a sweeper beside it that stops when it closes. */
  wrapAudit?: (writer: AuditSink) => AuditSink;
  /** Starts delivering queued webhooks; it receives the finished deps the deliveries use. */
  delivery: (deps: AppDeps) => Pick<WebhookRuntime, 'notify' | 'close'>;
  /**
   * Parts a test replaces. The defaults are still built first (so replacing
   * one never changes how the others are made); webhooks replaced means no
   * delivery is started.
   */
  overrides?: Partial<AppDeps>;
}

export function assembleDeps(parts: DepsParts): AppDeps {
  const { config, db, log, longLived, groupCommit, metrics, overrides = {} } = parts;
  const timeoutMs = config.databaseTimeoutMs;
  const writer = createAuditWriter(db, { groupCommit, timeoutMs, metrics });
  const deps: AppDeps = {
    config,
    db,
    clock: () => new Date(),
    upstream: longLived.upstream,
    audit: parts.wrapAudit ? parts.wrapAudit(writer) : writer,
    admissions: createAdmissions(db, { batch: groupCommit, timeoutMs, log }),
    keyring: longLived.keyring,
    // Set below: the delivery needs the finished deps.
    webhooks: undefined as unknown as WebhookRuntime,
    log,
    metrics,
    ...overrides,
  };
  if (!overrides.webhooks) {
    const { notify, close } = parts.delivery(deps);
    deps.webhooks = { keys: longLived.verificationKeys, signer: longLived.signingKeys, notify, close };
  }
  return deps;
}

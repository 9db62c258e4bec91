import type { GatewayConfig } from './config';
import type { Database } from './db/database';
import type { Logger } from './lib/logger';

/**
 * What the app is built from. The Node entry, the Worker entry and every test
 * assemble one of these and hand it to createApp(); nothing in src/ reaches for
 * globals (process.env, Date.now via a clock, a fixed database) on its own.
 */
export interface AppDeps {
  config: GatewayConfig;
  db: Database;
  /** The current time; tests may pin it. */
  clock: () => Date;
  /** Calls to Plaid (or the emulator): see src/upstream/. */
  upstream: import('./upstream/client').PlaidUpstream;
  /** Appends audit records (group commit on Node; see src/audit/). */
  audit: import('./audit/writer').AuditSink;
  /**
   * Admits partner calls in one statement each (authentication, decision, exact
   * rate limits, audit intent): see src/tenancy/admission.ts.
   */
  admissions: import('./tenancy/admission').Admissions;
  /** Plaid's webhook verification keys and the delivery trigger: see src/webhooks/. */
  webhooks: WebhookRuntime;
  /** Seals and opens raw tokens and Plaid secrets: see src/tenancy/crypto.ts. */
  keyring: import('./tenancy/crypto').Keyring;
  /** Logs operational events (never secrets, tokens or account data). */
  log: Logger;
  /**
   * Counters and histograms for operators (Node: prom-client, served at GET
   * /metrics; see src/metrics/). Absent on Workers: every call site skips it.
   */
  metrics?: import('./metrics').GatewayMetrics;
}

export interface WebhookRuntime {
  keys: import('./webhooks/verification').VerificationKeyCache;
  /** The gateway's own Plaid-style (ES256) signature on deliveries. */
  signer: import('./webhooks/gateway-keys').GatewaySigningKeys;
  /** Deliveries were queued: deliver them soon (Node: wakes the delivery loop; Workers: drains after the response). */
  notify(): void;
  /** Stops delivering (Node shutdown). */
  close(): Promise<void>;
}

/**
 * A request's audit draft. Middleware creates it, routes and the auth layer fill
 * it in, and the audit middleware turns it into one record when the response is
 * ready (before the response leaves: see src/audit/middleware.ts). Its fields are
 * the record's own (src/audit/record.ts); the rest of the record comes from the request.
 */
export type AuditDraft = Partial<
  Pick<
    import('./audit/record').AuditRecordInput,
    'actorId' | 'partnerId' | 'fintechId' | 'tokenId' | 'product' | 'decision' | 'reason' | 'plaidRequestId' | 'plaidStatus' | 'details'
  >
> & {
  action: string;
  actorType: 'operator' | 'partner' | 'fintech' | 'auditor' | 'anonymous' | 'plaid';
  /** The admission may have written an audit intent for this request: the outcome record releases it. */
  intentWritten?: boolean;
  /** false for routes that are not audited (health, docs, audit reads). */
  enabled: boolean;
};


export type Principal =
  | { kind: 'operator' }
  | { kind: 'partner'; id: string }
  | { kind: 'fintech'; id: string }
  | { kind: 'auditor'; id: string; partnerId: string | null };

export interface AppEnv {
  Bindings: Record<string, unknown>;
  Variables: {
    requestId: string;
    deps: AppDeps;
    /** Wall-clock start (ms since epoch) and a monotonic start for latency. */
    startedAt: number;
    startedPerf: number;
    /** Plaid error_code of the error answered, for the audit record's reason. */
    errorCode?: string;
    audit: AuditDraft;
    principal?: Principal;
  };
}

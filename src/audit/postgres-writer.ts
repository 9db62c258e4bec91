/**
 * The audit writer: appends records to `audit_events`, hash-chained, in one
 * total order shared by every gateway instance on the database.
 *
 * Ordering: each write is one transaction that first takes
 * `pg_advisory_xact_lock(AUDIT_CHAIN_LOCK)`, then reads the last record
 * (highest seq), numbers the new records last.seq+1, last.seq+2, ... and chains
 * them from last.hash, inserts them and commits (which releases the lock). Two
 * writers, in one process or in many, can never chain from the same record, and
 * seq has no gaps (it is assigned here, not by the sequence, so a rolled-back
 * write leaves no hole that verification would have to excuse).
 *
 * Group commit (Node): concurrent append() calls queue; one flush runs at a
 * time and writes everything queued (up to maxBatch) in a single transaction with
 * a multi-row INSERT. Every append() in the batch resolves after COMMIT, or they
 * all reject with the database's error (the middleware then answers API_ERROR
 * instead of the response). No timer: the first record is written at once, and
 * records arriving while that transaction runs form the next batch.
 *
 * Workers: the app creates a writer per request, so each batch holds that
 * request's record; the advisory lock orders it against every other instance.
 */
import { sql } from 'drizzle-orm';
import { queryRows, type Database } from '../db/database';
import { auditEvents } from '../db/schema';
import { canonicalInstant, chainHash, GENESIS_HASH, type ChainRecord } from './canonical';
import { cleanText, scrubDetails, scrubId, scrubPath, scrubText } from './scrub';
import type { AuditRecordInput, AuditSink } from './writer';

/** Advisory lock key of the chain (any constant other parts of the app do not use). */
export const AUDIT_CHAIN_LOCK = 727274007;

export interface AuditWriterOptions {
  /** Queue concurrent appends into one transaction (default true). false: one transaction per record. */
  groupCommit?: boolean;
  /** Largest batch per transaction (default 500; 21 params per row stays far below Postgres' 65535). */
  maxBatch?: number;
}

type PreparedRecord = Omit<ChainRecord, 'seq'>;

interface Pending {
  record: PreparedRecord;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class PostgresAuditWriter implements AuditSink {
  private readonly groupCommit: boolean;
  private readonly maxBatch: number;
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private closed = false;

  constructor(
    private readonly db: Database,
    options: AuditWriterOptions = {},
  ) {
    this.groupCommit = options.groupCommit ?? true;
    this.maxBatch = Math.max(1, options.maxBatch ?? 500);
  }

  append(input: AuditRecordInput): Promise<void> {
    if (this.closed) return Promise.reject(new Error('audit writer is closed'));
    let record: PreparedRecord;
    try {
      record = prepareRecord(input);
    } catch (err) {
      return Promise.reject(err);
    }
    if (!this.groupCommit) return this.writeBatch([record]);
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ record, resolve, reject });
      this.kick();
    });
  }

  /** Waits for every queued record to be written, then refuses new ones. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await this.flushing;
  }

  private kick(): void {
    if (this.flushing) return;
    this.flushing = this.drain().finally(() => {
      this.flushing = null;
      if (this.queue.length > 0) this.kick();
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      try {
        await this.writeBatch(batch.map((p) => p.record));
        for (const p of batch) p.resolve();
      } catch (err) {
        for (const p of batch) p.reject(err);
      }
    }
  }

  private async writeBatch(records: PreparedRecord[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.execute(sql.raw(`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`));
      const [last] = await queryRows<{ seq: string | number; hash: string }>(
        tx,
        sql`select seq::text as seq, hash from audit_events order by audit_events.seq desc limit 1`,
      );
      let seq = last ? Number(last.seq) : 0;
      let prevHash = last?.hash ?? GENESIS_HASH;
      const rows: (typeof auditEvents.$inferInsert)[] = [];
      for (const record of records) {
        seq += 1;
        const chained: ChainRecord = { seq, ...record };
        const hash = await chainHash(prevHash, chained);
        rows.push(toRow(chained, prevHash, hash));
        prevHash = hash;
      }
      await tx.insert(auditEvents).values(rows);
    });
  }
}

export function createAuditWriter(db: Database, options: AuditWriterOptions = {}): PostgresAuditWriter {
  return new PostgresAuditWriter(db, options);
}

const DECISIONS = new Set(['allow', 'deny', 'error']);

/**
 * Validates and cleans a record before it is queued, so one bad record cannot
 * fail a whole batch: what is hashed is exactly what is stored.
 */
export function prepareRecord(input: AuditRecordInput): PreparedRecord {
  if (!DECISIONS.has(input.decision)) throw new TypeError('audit record: decision must be allow, deny or error');
  const id = scrubId;
  return {
    occurred_at: canonicalInstant(input.occurredAt),
    request_id: cleanText(input.requestId, 64),
    actor_type: cleanText(input.actorType, 32),
    actor_id: id(input.actorId),
    partner_id: id(input.partnerId),
    fintech_id: id(input.fintechId),
    token_id: id(input.tokenId),
    action: cleanText(input.action, 64),
    method: cleanText(input.method, 16),
    endpoint: scrubPath(input.endpoint),
    product: id(input.product),
    decision: input.decision,
    reason: scrubText(input.reason, 256),
    http_status: int32(input.httpStatus),
    plaid_request_id: id(input.plaidRequestId),
    plaid_status: input.plaidStatus === null || input.plaidStatus === undefined ? null : int32(input.plaidStatus),
    latency_ms: int32(input.latencyMs),
    client_ip: cleanText(input.clientIp, 64),
    user_agent: scrubText(input.userAgent, 512),
    details: scrubDetails(input.details),
  };
}

function int32(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.min(2_147_483_647, Math.max(-2_147_483_648, Math.round(value)));
}

function toRow(r: ChainRecord, prevHash: string, hash: string): typeof auditEvents.$inferInsert {
  return {
    seq: r.seq,
    occurredAt: r.occurred_at,
    requestId: r.request_id,
    actorType: r.actor_type,
    actorId: r.actor_id,
    partnerId: r.partner_id,
    fintechId: r.fintech_id,
    tokenId: r.token_id,
    action: r.action,
    method: r.method,
    endpoint: r.endpoint,
    product: r.product,
    decision: r.decision,
    reason: r.reason,
    httpStatus: r.http_status,
    plaidRequestId: r.plaid_request_id,
    plaidStatus: r.plaid_status,
    latencyMs: r.latency_ms,
    clientIp: r.client_ip,
    userAgent: r.user_agent,
    details: r.details,
    prevHash,
    hash,
  };
}

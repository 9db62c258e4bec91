/**
 * The audit writer: appends records to `audit_events`, hash-chained, in one
 * total order shared by every gateway instance on the database.
 *
 * One statement per batch: gw_audit_append() (drizzle/0006_audit_chain_version.sql)
 * takes the chain lock `pg_advisory_xact_lock(AUDIT_CHAIN_LOCK)`, reads the
 * last record, numbers the new ones last.seq+1, last.seq+2, ..., hashes and
 * inserts them, and commits, all inside the database: the lock is never held
 * across a network round trip, so the chain's throughput is bounded by the
 * database's own work, not by the latency between gateway and database. Two
 * writers, in one process or in many, never chain from the same record, and
 * seq has no gaps (a rolled-back append leaves no hole).
 *
 * The canonical encoding stays the gateway's (src/audit/canonical.ts): the
 * writer sends each record's columns plus its canonical tail, and the database
 * hashes `prev_hash || '{"seq":' || seq || tail`. Verification recomputes the
 * whole encoding from the stored columns, so a tail that did not match its
 * columns would show as a bad record.
 *
 * Group commit (Node): concurrent append() calls queue; one batch is in flight
 * at a time and carries everything queued (up to maxBatch). Every append() in
 * the batch resolves after COMMIT, or they all reject with the database's error
 * (the middleware then answers API_ERROR instead of the response).
 *
 * Bounded: a lock wait over `timeoutMs` fails the statement on the server, and a
 * statement not answered within `timeoutMs` + 1 s is cancelled; the callers get
 * the error (API_ERROR to the partner) instead of waiting for as long as the
 * lock lasts.
 *
 * Workers: the app creates a writer per request, so each batch holds that
 * request's record; the chain lock orders it against every other instance.
 */
import { sql } from 'drizzle-orm';
import type { Database, Transaction } from '../db/database';
import { statement, type Statement } from '../db/statement';
import { Batcher } from '../lib/batcher';
import type { GatewayMetrics } from '../metrics';
import { databaseFailureKind } from '../metrics/database-errors';
import { canonicalTail } from './canonical';
import { cleanRecordInto, CURRENT_CHAIN_VERSION, type AuditRecordInput, type ChainRecord } from './record';
import type { AuditSink } from './writer';

/** Advisory lock key of the chain (any constant other parts of the app do not use). */
export const AUDIT_CHAIN_LOCK = 727274007;

/** Slack between the server-side lock timeout and the client-side cancel. */
const CANCEL_SLACK_MS = 1_000;

export interface AuditWriterOptions {
  /** Queue concurrent appends into one statement (default true). false: one statement per record. */
  groupCommit?: boolean;
  /** Largest batch per statement (default 500). */
  maxBatch?: number;
  /** Lock wait / statement bound in ms (default 5000). */
  timeoutMs?: number;
  /** Times each statement and counts its records (Node; absent on Workers). */
  metrics?: Pick<GatewayMetrics, 'auditAppend' | 'databaseError'>;
}

type PreparedRecord = Omit<ChainRecord, 'seq'> & { intent?: 'release' | 'claim' };

export class PostgresAuditWriter implements AuditSink {
  private readonly batcher: Batcher<PreparedRecord, void>;
  private readonly append_: Statement;
  private readonly timeoutMs: number;
  private readonly metrics: AuditWriterOptions['metrics'];

  constructor(db: Database, options: AuditWriterOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 5_000;
    this.metrics = options.metrics;
    this.append_ = statement(db, 'select gw_audit_append($1::text::jsonb, $2::int) as r');
    this.batcher = new Batcher((records) => this.writeBatch(records), {
      enabled: options.groupCommit ?? true,
      maxBatch: options.maxBatch ?? 500,
      name: 'audit writer',
    });
  }

  append(input: AuditRecordInput): Promise<void> {
    let record: PreparedRecord;
    try {
      record = prepareRecord(input);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.batcher.submit(record);
  }

  /** Waits for every queued record to be written, then refuses new ones. */
  close(): Promise<void> {
    return this.batcher.close();
  }

  private async writeBatch(records: PreparedRecord[]): Promise<void[]> {
    const metrics = this.metrics;
    const started = metrics ? performance.now() : 0;
    try {
      await this.append_([appendPayload(records), this.timeoutMs], this.timeoutMs + CANCEL_SLACK_MS);
    } catch (err) {
      if (metrics) {
        metrics.auditAppend(records.length, (performance.now() - started) / 1000, false);
        // Every record of the batch fails with it.
        metrics.databaseError('audit_append', databaseFailureKind(err) ?? 'query', records.length);
      }
      throw err;
    }
    metrics?.auditAppend(records.length, (performance.now() - started) / 1000, true);
    return records.map(() => undefined);
  }
}

/** gw_audit_append's argument: each record with its canonical tail and what it does to its intent. */
function appendPayload(records: PreparedRecord[]): string {
  return JSON.stringify(
    records.map(({ intent, ...record }) => ({
      ...record,
      tail: canonicalTail(record),
      ...(intent ? { [intent]: record.request_id } : {}),
    })),
  );
}

/**
 * Appends one record inside the caller's transaction, so a change and its
 * record commit together or not at all (the chain lock is then held until
 * that transaction ends, so keep it short).
 */
export async function appendInTransaction(tx: Database | Transaction, input: AuditRecordInput, timeoutMs: number): Promise<void> {
  await tx.execute(sql`select gw_audit_append(${appendPayload([prepareRecord(input)])}::text::jsonb, ${timeoutMs}::int)`);
}

export function createAuditWriter(db: Database, options: AuditWriterOptions = {}): PostgresAuditWriter {
  return new PostgresAuditWriter(db, options);
}

/**
 * Validates and cleans a record before it is queued, so one bad record cannot
 * fail a whole batch: what is hashed is exactly what is stored.
 */
export function prepareRecord(input: AuditRecordInput): PreparedRecord {
  // Built in place (no spread copies): chain_version, the cleaned fields, then the intent.
  const record: PreparedRecord = cleanRecordInto({ chain_version: CURRENT_CHAIN_VERSION }, input);
  if (input.intent) record.intent = input.intent;
  return record;
}

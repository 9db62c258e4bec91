/**
 * The audit trail in tests: a raw record to append, the records as stored,
 * and a way to change one behind the gateway's back.
 */
import { eq, sql } from 'drizzle-orm';
import { expect } from 'vitest';
import type { AuditRecordInput } from '../../src/audit/writer';
import { queryRows, type Database } from '../../src/db/database';
import { auditEvents } from '../../src/db/schema';
import type { TestStack } from './stack';

let n = 0;

/** A complete, plausible record (an AuditRecordInput); override what the test is about. */
export function record(overrides: Partial<AuditRecordInput> = {}): AuditRecordInput {
  n += 1;
  return {
    occurredAt: new Date(Date.UTC(2025, 0, 1, 12, 0, 0, n % 1000) + n * 1000).toISOString(),
    requestId: `req${String(n).padStart(12, '0')}`,
    actorType: 'partner',
    actorId: 'ptn_aaaaaaaaaaaaaaaaaaaa',
    partnerId: 'ptn_aaaaaaaaaaaaaaaaaaaa',
    fintechId: 'ftc_aaaaaaaaaaaaaaaaaaaa',
    tokenId: 'tok_aaaaaaaaaaaaaaaaaaaa',
    action: 'partner.call',
    method: 'POST',
    endpoint: '/processor/auth/get',
    product: 'auth',
    decision: 'allow',
    reason: null,
    httpStatus: 200,
    plaidRequestId: 'plaidReqId0001',
    plaidStatus: 200,
    latencyMs: 12,
    clientIp: '127.0.0.1',
    userAgent: 'Plaid Node v47.0.0',
    details: { fields: ['processor_token'], options: false },
    ...overrides,
  };
}

/** Every audit record so far, oldest first, every column as the database answers it (details parsed). */
export async function auditRows(stack: TestStack): Promise<Record<string, any>[]> {
  return queryRows<Record<string, any>>(stack.deps.db, sql`select * from audit_events order by seq`);
}

export interface ChainRow {
  seq: string;
  prev_hash: string;
  hash: string;
  [k: string]: unknown;
}

/** Every audit record, oldest first, with seq and details as text (the chain's view, for hash checks). */
export async function auditChainRows(db: Database): Promise<ChainRow[]> {
  return queryRows<ChainRow>(db, sql`select seq::text as seq, prev_hash, hash, action, actor_type, actor_id, partner_id,
    fintech_id, token_id, endpoint, decision, reason, http_status, details::text as details, user_agent
    from audit_events order by audit_events.seq`);
}

/**
 * The one audit record of a gateway request (by the gateway request_id), typed.
 * The audit middleware awaits the commit before answering, so it is there already.
 */
export async function auditRecordFor(stack: TestStack, requestId: string) {
  const rows = await stack.deps.db.select().from(auditEvents).where(eq(auditEvents.requestId, requestId));
  expect(rows).toHaveLength(1);
  return rows[0]!;
}

/**
 * Changes a stored record behind the gateway's back, as the table owner would:
 * switch the append-only trigger off, run the statement, switch it on again.
 */
export async function tamper(db: Database, statement: ReturnType<typeof sql>): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`alter table audit_events disable trigger user`);
    await tx.execute(statement);
    await tx.execute(sql`alter table audit_events enable trigger user`);
  });
}

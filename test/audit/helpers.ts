/** Fixtures shared by the audit tests. */
import { sql } from 'drizzle-orm';
import { hashSecret } from '../../src/auth/hash';
import type { AuditRecordInput } from '../../src/audit/writer';
import { queryRows, type Database } from '../../src/db/database';
import { auditors, fintechs, partners } from '../../src/db/schema';
import { publicId, randomSecret } from '../../src/lib/ids';

let n = 0;

/** A complete, plausible record; override what the test is about. */
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

/** Inserts a partner row directly (the admin API is another issue's). */
export async function insertPartner(db: Database, name = 'Partner'): Promise<string> {
  const id = publicId('ptn');
  await db.insert(partners).values({
    id,
    name,
    processor: 'dwolla',
    clientId: publicId('pcl'),
    secretHash: await hashSecret(randomSecret()),
    plaidClientId: 'x',
    plaidSecretSealed: 'x',
    plaidSecretKeyId: 'x',
    products: ['auth'],
  });
  return id;
}

export async function insertFintech(db: Database, name = 'Fintech'): Promise<string> {
  const id = publicId('ftc');
  await db.insert(fintechs).values({ id, name, clientId: publicId('fcl'), secretHash: await hashSecret(randomSecret()) });
  return id;
}

/** An auditor with a known key; partnerId null = all partners. */
export async function insertAuditor(db: Database, partnerId: string | null): Promise<{ id: string; key: string }> {
  const id = publicId('aud');
  const key = `audk_${randomSecret()}`;
  await db.insert(auditors).values({ id, name: 'Auditor', partnerId, keyHash: await hashSecret(key) });
  return { id, key };
}

export interface RawRow {
  seq: string;
  prev_hash: string;
  hash: string;
  [k: string]: unknown;
}

export async function allRows(db: Database): Promise<RawRow[]> {
  return queryRows<RawRow>(db, sql`select seq::text as seq, prev_hash, hash, action, actor_type, actor_id, partner_id,
    fintech_id, token_id, endpoint, decision, reason, http_status, details::text as details, user_agent
    from audit_events order by audit_events.seq`);
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

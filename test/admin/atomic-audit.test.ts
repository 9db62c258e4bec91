/**
 * A change and its audit record commit together or not at all. On the real
 * Postgres, a second session holds the audit chain's lock so the record cannot
 * be appended: the operator's and the fintech's changes must then leave
 * nothing behind and show no one-time secret, and a retry after the lock is
 * released makes exactly one change, recorded once.
 */
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIT_CHAIN_LOCK } from '../../src/audit/postgres-writer';
import { verifyChain } from '../../src/audit/verify';
import { scratchPostgresWithSession } from '../support/db';
import { expectPlaidError } from '../support/plaid-spec';
import { type TestStack } from '../support/stack';
import { admin, type Client, clientCall, mintRawToken, startWorld } from '../support/tenants';
import { auditRows } from '../support/audit';

const TIMEOUT_MS = 300;

let pg: Awaited<ReturnType<typeof scratchPostgresWithSession>>;
let stack: TestStack;
let other: postgres.Sql;
let partner: Client;
let fintech: Client;

beforeAll(async () => {
  pg = await scratchPostgresWithSession('gw_atomic');
  other = pg.other;
  ({ stack, partner, fintech } = await startWorld({ db: pg.db, env: { DATABASE_TIMEOUT_MS: String(TIMEOUT_MS) } }));
});
afterAll(async () => {
  await stack?.close();
  await pg?.close();
});

const withChainLocked = <T>(body: () => Promise<T>) => pg.whileLocked((session) => session`select pg_advisory_lock(${AUDIT_CHAIN_LOCK})`, body);

const count = async (table: string) => Number((await other.unsafe(`select count(*)::int as n from ${table}`))[0]!.n);

describe('changes and their audit records commit together', () => {
  it('operator: a partner whose record cannot be written is not created, and its secret is never shown', async () => {
    const before = await count('partners');
    const res = await withChainLocked(() => admin(stack, 'POST', '/admin/partners', { name: 'Atomic', processor: 'dwolla', plaid: { client_id: 'c', secret: 's' } }));
    expect(res.status).toBe(500);
    expectPlaidError(res.body, { error_type: 'API_ERROR' });
    expect(JSON.stringify(res.body)).not.toMatch(/secret"|client_id/);
    expect(await count('partners')).toBe(before);

    const retried = await admin(stack, 'POST', '/admin/partners', { name: 'Atomic', processor: 'dwolla', plaid: { client_id: 'c', secret: 's' } });
    expect(retried.status).toBe(201);
    expect(await count('partners')).toBe(before + 1);
    const creates = (await auditRows(stack)).filter((r) => r.action === 'partner.create' && r.partner_id === retried.body.partner_id);
    expect(creates).toHaveLength(1);
  });

  it('fintech: an import whose record cannot be written leaves no token, and a retry makes exactly one', async () => {
    const raw = await mintRawToken(stack);
    const before = await count('processor_tokens');
    const res = await withChainLocked(() => clientCall(stack, fintech, '/gateway/processor_token/import', { processor_token: raw, partner_id: partner.id }));
    expect(res.status).toBe(500);
    expect(res.body.processor_token).toBeUndefined();
    expect(await count('processor_tokens')).toBe(before);

    const retried = await clientCall(stack, fintech, '/gateway/processor_token/import', { processor_token: raw, partner_id: partner.id });
    expect(retried.status).toBe(200);
    expect(await count('processor_tokens')).toBe(before + 1);
  });

  it('fintech: a revoke whose record cannot be written did not happen', async () => {
    const raw = await mintRawToken(stack);
    const imported = await clientCall(stack, fintech, '/gateway/processor_token/import', { processor_token: raw, partner_id: partner.id });
    const res = await withChainLocked(() => clientCall(stack, fintech, '/gateway/processor_token/revoke', { processor_token: imported.body.processor_token }));
    expect(res.status).toBe(500);
    const [row] = await other`select revoked_at from processor_tokens where token_hash is not null order by created_at desc limit 1`;
    expect(row!.revoked_at).toBeNull();
  });

  it('a change that fails on its own rolls back its writes and is recorded as a failure; the chain verifies', async () => {
    const before = await count('fintechs');
    const res = await admin(stack, 'POST', '/admin/fintechs', { name: '' });
    expect(res.status).toBe(400);
    expect(await count('fintechs')).toBe(before);
    const records = (await auditRows(stack)).filter((r) => r.action === 'fintech.create' || r.endpoint === '/admin/fintechs');
    expect(records.at(-1)).toMatchObject({ decision: 'deny', http_status: 400 });
    expect((await verifyChain(stack.deps.db)).ok).toBe(true);
  });
});

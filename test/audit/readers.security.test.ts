/**
 * What audit readers can learn and what they can cost:
 * - a partner-scoped auditor sees token reasons as its partner was answered
 *   (another partner's token reads like an unknown one) in events, exports and
 *   the summary, while the operator sees the difference;
 * - a scoped auditor's verification reports its own records, not the chain's size;
 * - routine verification walks what is new since its checkpoint; full walks
 *   are limited per reader.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows } from '../../src/db/database';
import { newGatewayToken } from '../../src/tenancy/tokens';
import { bearer, call, startTestStack, type TestStack } from '../support/stack';
import { admin, type Client, createAuditor, createFintech, createPartner, importToken, plaidHeaders } from '../support/tenants';

let stack: TestStack;
let partnerA: Client;
let partnerB: Client;
let scopedKey: string;

beforeAll(async () => {
  stack = await startTestStack({ env: { AUDIT_FULL_VERIFY_PER_MINUTE: '2' } });
  partnerA = await createPartner(stack, { name: 'A' });
  partnerB = await createPartner(stack, { name: 'B' });
  const fintech = await createFintech(stack);
  const tokenOfB = await importToken(stack, { partner: partnerB, fintech });
  // Partner A tries partner B's token, then a token that does not exist.
  for (const processor_token of [tokenOfB.gatewayToken, newGatewayToken()]) {
    const res = await call(stack.app, 'POST', '/processor/auth/get', { body: { processor_token }, headers: plaidHeaders(partnerA) });
    expect(res.body.error_code).toBe('INVALID_PROCESSOR_TOKEN');
  }
  scopedKey = (await createAuditor(stack, { name: 'A only', partner_id: partnerA.id })).key;
});
afterAll(async () => stack?.close());

const get = (path: string, key: string) => call(stack.app, 'GET', path, { headers: bearer(key) });

describe('token reasons as the partner saw them', () => {
  it('the operator tells another partner\'s token from an unknown one; A\'s auditor cannot, in events, export or summary', async () => {
    const operator = await get(`/audit/events?partner_id=${partnerA.id}&limit=100`, stack.adminKey);
    const operatorReasons = operator.body.events.filter((e: any) => e.action === 'partner.call').map((e: any) => e.reason);
    expect(operatorReasons.sort()).toEqual(['token_other_partner', 'token_unknown']);

    const scoped = await get('/audit/events?limit=100', scopedKey);
    const scopedReasons = scoped.body.events.filter((e: any) => e.action === 'partner.call').map((e: any) => e.reason);
    expect(scopedReasons).toEqual(['invalid_processor_token', 'invalid_processor_token']);

    const exported = await get('/audit/export?format=jsonl', scopedKey);
    expect(exported.body).not.toContain('token_other_partner');
    expect(exported.body).not.toContain('token_unknown');
    expect(exported.body).toContain('invalid_processor_token');

    const summary = await get('/audit/summary', scopedKey);
    const reasons = summary.body.denials_by_reason.items.map((i: any) => i.reason);
    expect(reasons).toContain('invalid_processor_token');
    expect(reasons).not.toContain('token_other_partner');
  });
});

describe('verification', () => {
  it("a scoped auditor's verdict counts its partner's records only", async () => {
    const res = await get('/audit/verify', scopedKey);
    expect(res.body.ok).toBe(true);
    expect(res.body.checked).toBe(0);
    const [row] = await queryRows<{ n: string }>(
      stack.deps.db,
      sql`select count(*)::text as n from audit_events where partner_id = ${partnerA.id}`,
    );
    // Its own records in the walked range: at most what A has, never the chain's size.
    expect(res.body.records_in_scope).toBeLessThanOrEqual(Number(row!.n));
    expect(JSON.stringify(res.body)).not.toMatch(/to_seq|from_seq|last_hash/);
  });

  it('a routine verification walks only what was appended since the last one', async () => {
    const first = await get('/audit/verify', stack.adminKey);
    expect(first.body.ok).toBe(true);
    await admin(stack, 'POST', '/admin/fintechs', { name: 'One more' });
    const second = await get('/audit/verify', stack.adminKey);
    expect(second.body).toMatchObject({ ok: true, from_seq: first.body.to_seq + 1 });
    // The verify's own record and the fintech's: what came after the first walk.
    expect(second.body.checked).toBe(2);
  });

  it('full walks are limited per reader (429 with Retry-After); routine ones are not', async () => {
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await get('/audit/verify?full=true', stack.adminKey)).status);
    expect(statuses).toEqual([200, 200, 429]);
    const limited = await call(stack.app, 'GET', '/audit/verify?full=true', { headers: bearer(stack.adminKey) });
    expect(limited.body).toMatchObject({ error_type: 'RATE_LIMIT_EXCEEDED', error_code: 'RATE_LIMIT' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another reader has its own allowance, and routine verification goes on.
    expect((await get('/audit/verify?full=true', scopedKey)).status).toBe(200);
    expect((await get('/audit/verify', stack.adminKey)).status).toBe(200);
  });
});

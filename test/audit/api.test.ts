/**
 * The compliance API over the whole app: what gets recorded for each kind of
 * request (operator changes, fintech hand-over, partner calls allowed and
 * denied, failed authentication, audit reads), listing with filters and keyset
 * pagination, partner-scoped auditors, verification, and the durability rule.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRecordInput, AuditSink } from '../../src/audit/writer';
import { CURRENT_CHAIN_VERSION } from '../../src/audit/record';
import { queryRows } from '../../src/db/database';
import { expectPlaidError } from '../support/plaid-spec';
import { bearer, call, startTestStack, type TestStack } from '../support/stack';
import { admin, type Client, clientCall, createFintech, createPartner, importToken, plaidHeaders } from '../support/tenants';
import { record, tamper } from '../support/audit';

let stack: TestStack;
let partnerA: Client;
let partnerB: Client;
let fintech: Client;
let allKey: string;
let scopedKey: string;
let scopedId: string;
let tokenA: { gatewayToken: string; rawToken: string };
let tokenIdA: string;

const get = (path: string, key?: string) =>
  call(stack.app, 'GET', path, { headers: key === undefined ? {} : bearer(key) });

/** Every event matching a query, following next_cursor. */
async function allEvents(query: string, key = stack.adminKey): Promise<any[]> {
  const out: any[] = [];
  let cursor: string | null = null;
  do {
    const res = await get(`/audit/events?${query}${cursor ? `&cursor=${cursor}` : ''}`, key);
    expect(res.status).toBe(200);
    out.push(...res.body.events);
    cursor = res.body.next_cursor;
  } while (cursor);
  return out;
}

async function eventFor(requestId: string) {
  const rows = await queryRows<{ seq: string }>(stack.deps.db, sql`select seq::text as seq from audit_events where request_id = ${requestId}`);
  expect(rows).toHaveLength(1);
  const [event] = (await allEvents('limit=1000')).filter((e) => e.request_id === requestId);
  return event;
}

beforeAll(async () => {
  // Full verifications are limited per reader; this file runs many on purpose (the limit has its own test).
  stack = await startTestStack({ env: { AUDIT_FULL_VERIFY_PER_MINUTE: '100' } });
  partnerA = await createPartner(stack, { name: 'Partner A' });
  partnerB = await createPartner(stack, { name: 'Partner B' });
  fintech = await createFintech(stack);
  const all = await admin(stack, 'POST', '/admin/auditors', { name: 'Compliance' });
  const scoped = await admin(stack, 'POST', '/admin/auditors', { name: 'A only', partner_id: partnerA.id });
  expect(all.status).toBe(201);
  expect(scoped.status).toBe(201);
  allKey = all.body.key;
  scopedKey = scoped.body.key;
  scopedId = scoped.body.auditor_id;
  tokenA = await importToken(stack, { partner: partnerA, fintech, products: ['auth'] });
  const [imported] = await queryRows<{ token_id: string }>(
    stack.deps.db,
    sql`select token_id from audit_events where action = 'token.import'`,
  );
  tokenIdA = imported!.token_id;
});
afterAll(async () => stack?.close());

describe('what is recorded', () => {
  it('an operator creation: actor, action, ids and the names of the fields, 201', async () => {
    const res = await admin(stack, 'POST', '/admin/fintechs', { name: 'Recorded Fintech' });
    expect(res.status).toBe(201);
    const event = await eventFor(res.body.request_id);
    expect(event).toMatchObject({
      actor_type: 'operator',
      actor_id: 'operator',
      action: 'fintech.create',
      method: 'POST',
      endpoint: '/admin/fintechs',
      fintech_id: res.body.fintech_id,
      decision: 'allow',
      http_status: 201,
      details: { fields: ['name'] },
    });
    expect(event.latency_ms).toBeGreaterThanOrEqual(0);
    expect(event.occurred_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(JSON.stringify(event)).not.toContain('Recorded Fintech'); // names are not recorded
  });

  it('a fintech hand-over and partner calls, allowed and denied', async () => {
    const allowed = await call(stack.app, 'POST', '/processor/auth/get', {
      body: { processor_token: tokenA.gatewayToken },
      headers: plaidHeaders(partnerA),
    });
    expect(allowed.status).toBe(200);
    const allowedEvent = await eventFor(allowed.body.request_id);
    expect(allowedEvent).toMatchObject({
      actor_type: 'partner',
      actor_id: partnerA.id,
      partner_id: partnerA.id,
      fintech_id: fintech.id,
      token_id: tokenIdA,
      action: 'partner.call',
      endpoint: '/processor/auth/get',
      product: 'auth',
      decision: 'allow',
      http_status: 200,
      plaid_status: 200,
    });
    expect(allowedEvent.plaid_request_id).toEqual(expect.any(String));
    expect(allowedEvent.plaid_request_id).not.toBe(allowed.body.request_id);

    const denied = await call(stack.app, 'POST', '/processor/balance/get', {
      body: { processor_token: tokenA.gatewayToken },
      headers: plaidHeaders(partnerA),
    });
    expect(denied.status).toBe(400);
    expect(await eventFor(denied.body.request_id)).toMatchObject({
      partner_id: partnerA.id,
      token_id: tokenIdA,
      product: 'balance',
      decision: 'deny',
      http_status: 400,
      plaid_request_id: null,
    });

    const otherPartner = await call(stack.app, 'POST', '/processor/auth/get', {
      body: { processor_token: tokenA.gatewayToken },
      headers: plaidHeaders(partnerB),
    });
    expect(otherPartner.body.error_code).toBe('INVALID_PROCESSOR_TOKEN');
    const otherEvent = await eventFor(otherPartner.body.request_id);
    expect(otherEvent).toMatchObject({ actor_id: partnerB.id, partner_id: partnerB.id, decision: 'deny' });

    const [importEvent] = await allEvents(`fintech_id=${fintech.id}&token=${tokenIdA}&endpoint=/gateway/processor_token/import`);
    expect(importEvent).toMatchObject({
      actor_type: 'fintech',
      actor_id: fintech.id,
      action: 'token.import',
      partner_id: partnerA.id,
      decision: 'allow',
      http_status: 200,
    });
  });

  it('failed authentication on the operator, fintech, partner and audit routes', async () => {
    const cases = [
      { res: await call(stack.app, 'POST', '/admin/partners', { body: {}, headers: bearer('not-the-admin-key-000000000') }), reason: 'wrong_admin_key' },
      {
        res: await clientCall(stack, { clientId: fintech.clientId, secret: 'wrong-secret' }, '/processor/token/permissions/get', {
          processor_token: tokenA.gatewayToken,
        }),
        reason: 'wrong_secret',
      },
      {
        res: await call(stack.app, 'POST', '/processor/auth/get', {
          body: { processor_token: tokenA.gatewayToken },
          headers: { 'PLAID-CLIENT-ID': 'nobody', 'PLAID-SECRET': 'nothing' },
        }),
        reason: 'unknown_client_id',
      },
      { res: await get('/audit/events'), reason: 'missing_bearer' },
      { res: await get('/audit/verify', 'audk_wrong'), reason: 'unknown_key' },
    ];
    for (const { res, reason } of cases) {
      expect(res.status).toBe(400);
      expect(res.body.error_code).toBe('INVALID_API_KEYS');
      const event = await eventFor(res.body.request_id);
      expect(event).toMatchObject({ action: 'auth.failed', actor_type: 'anonymous', actor_id: null, decision: 'deny', reason, http_status: 400 });
    }
  });

  it('audit reads are recorded too, with the reader and the names of the filters (not their values)', async () => {
    const res = await get(`/audit/events?partner_id=${partnerA.id}&token=${tokenIdA}&limit=5`, scopedKey);
    expect(res.status).toBe(200);
    const event = await eventFor(res.body.request_id);
    expect(event).toMatchObject({
      actor_type: 'auditor',
      actor_id: scopedId,
      partner_id: partnerA.id,
      action: 'audit.events',
      endpoint: '/audit/events',
      decision: 'allow',
      details: { filters: ['partner_id', 'token'], limit: 5, order: 'asc', cursor: false, returned: expect.any(Number) },
    });
    const verify = await get('/audit/verify', allKey);
    expect((await eventFor(verify.body.request_id)).details).toMatchObject({ ok: true, checked: expect.any(Number) });
  });

  it('the GET /audit page loads without a key, holds no data and is not recorded', async () => {
    const before = await queryRows<{ n: string }>(stack.deps.db, sql`select count(*)::text as n from audit_events`);
    const res = await get('/audit');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'nonce-[A-Za-z0-9_-]+'/);
    const html = String(res.body);
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<h1>Audit trail</h1>');
    expect(html).not.toContain(partnerA.id);
    const after = await queryRows<{ n: string }>(stack.deps.db, sql`select count(*)::text as n from audit_events`);
    expect(after[0]!.n).toBe(before[0]!.n);
  });
});

describe('GET /audit/events', () => {
  beforeAll(async () => {
    // 30 records on a path of their own, to page through; half of them denied.
    for (let i = 0; i < 30; i++) {
      await stack.deps.audit.append(
        record({
          partnerId: i % 3 === 0 ? partnerB.id : partnerA.id,
          endpoint: '/paging/test',
          decision: i % 2 ? 'deny' : 'allow',
          occurredAt: new Date(Date.UTC(2030, 0, 1, 0, i)).toISOString(),
        }),
      );
    }
  });

  it('returns snake_case records with seq and the chain, in seq order', async () => {
    const res = await get('/audit/events?endpoint=/paging/test&limit=3', allKey);
    expect(res.status).toBe(200);
    expect(res.body.events).toHaveLength(3);
    const [e] = res.body.events;
    expect(Object.keys(e)).toEqual([
      'seq', 'occurred_at', 'request_id', 'actor_type', 'actor_id', 'partner_id', 'fintech_id', 'token_id', 'action',
      'method', 'endpoint', 'product', 'decision', 'reason', 'http_status', 'plaid_request_id', 'plaid_status',
      'latency_ms', 'client_ip', 'user_agent', 'details', 'chain_version', 'prev_hash', 'hash',
    ]);
    expect(e.chain_version).toBe(CURRENT_CHAIN_VERSION);
    expect(res.body.events[1].seq).toBeGreaterThan(e.seq);
    expect(e.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(res.body.next_cursor).toEqual(expect.any(String));
  });

  it('pages with the cursor: every record once, none skipped, in both orders', async () => {
    const asc = await allEvents('endpoint=/paging/test&limit=7');
    expect(asc).toHaveLength(30);
    const seqs = asc.map((e) => e.seq);
    expect(new Set(seqs).size).toBe(30);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    const desc = await allEvents('endpoint=/paging/test&limit=4&order=desc');
    expect(desc.map((e) => e.seq)).toEqual([...seqs].reverse());
    const last = await get('/audit/events?endpoint=/paging/test&limit=30', allKey);
    expect(last.body.next_cursor).toBeNull();
  });

  it('filters by partner, fintech, token, endpoint, decision and time', async () => {
    const byPartner = await allEvents(`endpoint=/paging/test&partner_id=${partnerB.id}`);
    expect(byPartner).toHaveLength(10);
    expect(byPartner.every((e) => e.partner_id === partnerB.id)).toBe(true);
    const denied = await allEvents('endpoint=/paging/test&decision=deny');
    expect(denied).toHaveLength(15);
    expect(denied.every((e) => e.decision === 'deny')).toBe(true);
    const window = await allEvents('endpoint=/paging/test&from=2030-01-01T00:10:00Z&to=2030-01-01T00:20:00.000%2B00:00');
    expect(window.map((e) => e.occurred_at)).toEqual(
      Array.from({ length: 10 }, (_, i) => new Date(Date.UTC(2030, 0, 1, 0, 10 + i)).toISOString()),
    );
    const dateOnly = await allEvents('endpoint=/paging/test&from=2030-01-01&to=2030-01-02');
    expect(dateOnly).toHaveLength(30);
    const byToken = await allEvents(`token=${tokenIdA}`);
    expect(byToken.length).toBeGreaterThanOrEqual(3);
    expect(byToken.every((e) => e.token_id === tokenIdA)).toBe(true);
    const byFintech = await allEvents(`fintech_id=${fintech.id}&decision=allow`);
    expect(byFintech.length).toBeGreaterThanOrEqual(2);
    expect(byFintech.every((e) => e.fintech_id === fintech.id && e.decision === 'allow')).toBe(true);
    expect(await allEvents('partner_id=ptn_nobody')).toEqual([]);
  });

  it('answers Plaid INVALID_REQUEST errors for bad parameters, naming the field but never echoing it', async () => {
    const bad: [string, string, RegExp][] = [
      ['limit=0', 'INVALID_FIELD', /limit/],
      ['limit=1001', 'INVALID_FIELD', /limit/],
      ['limit=ten', 'INVALID_FIELD', /limit/],
      ['decision=maybe', 'INVALID_FIELD', /decision/],
      ['from=yesterday', 'INVALID_FIELD', /from/],
      ['to=2030-01-01T10:00:00', 'INVALID_FIELD', /to/], // a time without a zone is ambiguous
      ['token=processor-gw-abcdefabcdefabcdef', 'INVALID_FIELD', /token/],
      ['cursor=bm9wZQ', 'INVALID_FIELD', /cursor/],
      ['partner=ptn_x', 'UNKNOWN_FIELDS', /partner/],
      ['order=sideways', 'INVALID_FIELD', /order/],
    ];
    for (const [query, code, field] of bad) {
      const res = await get(`/audit/events?${query}`, allKey);
      expect(res.status, query).toBe(400);
      expectPlaidError(res.body, { error_type: 'INVALID_REQUEST', error_code: code });
      expect(res.body.error_message).toMatch(field);
      expect(res.body.error_message).not.toContain('processor-gw-');
    }
    const asc = await get('/audit/events?limit=1', allKey);
    const wrongOrder = await get(`/audit/events?order=desc&cursor=${asc.body.next_cursor}`, allKey);
    expect(wrongOrder.body.error_code).toBe('INVALID_FIELD');
  });
});

describe('a partner-scoped auditor', () => {
  it('sees only its partner, whatever it asks', async () => {
    const mine = await allEvents('limit=1000', scopedKey);
    expect(mine.length).toBeGreaterThan(20);
    expect(mine.every((e) => e.partner_id === partnerA.id)).toBe(true);
    const everything = await allEvents('limit=1000', allKey);
    expect(everything.some((e) => e.partner_id === partnerB.id)).toBe(true);
    expect(everything.some((e) => e.partner_id === null)).toBe(true);
  });

  it('asking for another partner is refused', async () => {
    const res = await get(`/audit/events?partner_id=${partnerB.id}`, scopedKey);
    expect(res.status).toBe(400);
    expectPlaidError(res.body, { error_type: 'INVALID_REQUEST', error_code: 'INVALID_FIELD' });
    expect(res.body.error_message).toMatch(/partner_id/);
    const exported = await get(`/audit/export?partner_id=${partnerB.id}`, scopedKey);
    expect(exported.body.error_code).toBe('INVALID_FIELD');
    const own = await get(`/audit/events?partner_id=${partnerA.id}&limit=1`, scopedKey);
    expect(own.status).toBe(200);
  });

  it('gets a verdict over the whole chain but no other partner\'s details', async () => {
    const res = await get('/audit/verify?full=true', scopedKey);
    expect(res.status).toBe(200);
    const full = await get('/audit/verify?full=true', allKey);
    expect(res.body).toEqual({
      ok: true,
      checked: 0,
      records_in_scope: expect.any(Number),
      scope: partnerA.id,
      request_id: res.body.request_id,
    });
    // Its own records only, not the size of the whole chain.
    const own = await queryRows<{ n: string }>(
      stack.deps.db,
      sql`select count(*)::text as n from audit_events where partner_id = ${partnerA.id} and seq <= ${full.body.to_seq - 1}`,
    );
    expect(res.body.records_in_scope).toBe(Number(own[0]!.n));
    expect(res.body.records_in_scope).toBeLessThan(full.body.checked);
  });

  it('a disabled auditor is refused', async () => {
    const disable = await admin(stack, 'PATCH', `/admin/auditors/${scopedId}`, { disabled: true });
    expect(disable.status).toBe(200);
    const res = await get('/audit/events', scopedKey);
    expect(res.body.error_code).toBe('INVALID_API_KEYS');
    expect((await eventFor(res.body.request_id)).reason).toBe('auditor_disabled');
    await admin(stack, 'PATCH', `/admin/auditors/${scopedId}`, { disabled: false });
  });
});

describe('GET /audit/verify', () => {
  it('passes on the trail the gateway wrote, then names the record changed behind its back', async () => {
    const ok = await get('/audit/verify?full=true', stack.adminKey);
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ ok: true, from_seq: 1 });
    expect(ok.body.checked).toBeGreaterThan(40);
    expect(ok.body.last_hash).toMatch(/^[0-9a-f]{64}$/);

    const [target] = await allEvents(`partner_id=${partnerB.id}&endpoint=/paging/test&limit=1`);
    await tamper(stack.deps.db, sql`update audit_events set decision = 'error' where seq = ${target.seq}`);
    // A routine (incremental) verification walks only what came after its checkpoint...
    await get('/audit/verify', allKey);
    const routine = await get('/audit/verify', allKey);
    expect(routine.body.from_seq).toBeGreaterThan(target.seq);
    // ...a full walk finds the change.
    const bad = await get('/audit/verify?full=true', allKey);
    expect(bad.body).toMatchObject({ ok: false, first_bad_seq: target.seq, reason: 'hash_mismatch', checked: target.seq });
    expect(bad.body.message).toContain(String(target.seq));

    // The scoped auditor's verdict: fail, no seq, no reason code.
    const enable = await admin(stack, 'PATCH', `/admin/auditors/${scopedId}`, { disabled: false });
    expect(enable.status).toBe(200);
    const scoped = await get('/audit/verify?full=true', scopedKey);
    expect(scoped.body.ok).toBe(false);
    expect(scoped.body.first_bad_seq).toBeUndefined();
    expect(scoped.body.reason).toBeUndefined();

    // A range before the edit still verifies.
    const before = await get(`/audit/verify?from_seq=1&to_seq=${target.seq - 1}`, allKey);
    expect(before.body).toMatchObject({ ok: true, checked: target.seq - 1 });
    const badRange = await get('/audit/verify?from_seq=5&to_seq=2', allKey);
    expect(badRange.body.error_code).toBe('INVALID_FIELD');
    const badParam = await get('/audit/verify?from_seq=0', allKey);
    expect(badParam.body.error_code).toBe('INVALID_FIELD');
  });

  it('names the record after a deleted one', async () => {
    const other = await startTestStack({ emulator: stack.emulator });
    try {
      for (let i = 0; i < 5; i++) await other.deps.audit.append(record());
      await tamper(other.deps.db, sql`delete from audit_events where seq = 3`);
      const res = await call(other.app, 'GET', '/audit/verify', { headers: bearer(other.adminKey) });
      expect(res.body).toMatchObject({ ok: false, first_bad_seq: 4, reason: 'seq_gap' });
    } finally {
      await other.close();
    }
  });
});

describe('durability: no response without its committed record', () => {
  it('when the audit write fails, the caller gets API_ERROR instead of the data', async () => {
    const failing: AuditSink = {
      append: async (_r: AuditRecordInput) => Promise.reject(new Error('database unavailable')),
      close: async () => {},
    };
    const other = await startTestStack({ emulator: stack.emulator, deps: { audit: failing } });
    try {
      const res = await call(other.app, 'GET', '/audit/export?format=csv', { headers: bearer(other.adminKey) });
      expect(res.status).toBe(500);
      expectPlaidError(res.body, { error_type: 'API_ERROR', error_code: 'INTERNAL_SERVER_ERROR' });
      expect(res.headers.get('content-disposition')).toBeNull();
      expect(res.headers.get('content-type')).toMatch(/application\/json/);
      expect(res.headers.get('x-request-id')).toBe(res.body.request_id);
      const health = await call(other.app, 'GET', '/health'); // not audited: unaffected
      expect(health.status).toBe(200);
    } finally {
      await other.close();
    }
  });
});
